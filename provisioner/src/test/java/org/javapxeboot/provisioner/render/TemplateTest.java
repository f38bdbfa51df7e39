package org.javapxeboot.provisioner.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TemplateTest {

    @Test
    void substitutesEscapesAndLeavesShellAlone() throws Exception {
        Template t = Template.parse("t.ks", "host ${name}\necho $HOME $${PATH} $ {x} ${name}$\n");
        assertEquals("host n1\necho $HOME ${PATH} $ {x} n1$\n", t.render(Map.of("name", "n1")));
        assertEquals(Set.of("name"), t.variables());
    }

    @Test
    void undefinedVariablesAreAllReportedWithPositions() throws Exception {
        Template t = Template.parse("t.ks", "a ${name}\n  b ${rootpw} ${tz}\n");
        RenderException e = assertThrows(RenderException.class, () -> t.render(Map.of("name", "x")));
        assertEquals("t.ks:2:5: undefined variable '${rootpw}'; defined: name\n"
                + "t.ks:2:15: undefined variable '${tz}'; defined: name", e.getMessage());
    }

    @Test
    void syntaxErrorsAreLocated() {
        RenderException e = assertThrows(RenderException.class, () -> Template.parse("t.ks", "ok\nx ${name\n"));
        assertEquals("t.ks:2:3: unterminated '${' (write '$${' for a literal '${')", e.getMessage());
        RenderException bad = assertThrows(RenderException.class, () -> Template.parse("t.ks", "${Name} ${a-b}"));
        assertTrue(bad.getMessage().startsWith("t.ks:1:1: '${Name}' is not a variable name"), bad.getMessage());
        assertTrue(bad.getMessage().contains("t.ks:1:9: '${a-b}'"), bad.getMessage());
    }

    @Test
    void valuesAreNotReinterpreted() throws Exception {
        Template t = Template.parse("t.ks", "${a}");
        assertEquals("${b}", t.render(Map.of("a", "${b}", "b", "no")));
    }
}
