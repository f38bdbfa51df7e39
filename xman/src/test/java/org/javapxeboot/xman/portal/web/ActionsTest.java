package org.javapxeboot.xman.portal.web;

import org.javapxeboot.xman.wire.Op;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The form's checks: each refusal names its field and quotes the value as typed; the page escapes it, once. */
class ActionsTest {
    @Test
    void aBadNumberIsQuotedAsTypedAndEscapedOnceByThePage() {
        Actions.Invalid e = assertThrows(Actions.Invalid.class, () -> Actions.parse("vm1", Map.of("op", "mem-set", "kib", "<b>&")));
        assertEquals("kib: '<b>&' is not a whole number", e.getMessage());
        String page = Pages.details(new Pages.Details("h", "vm1", null, null, null, null, List.of(), "t", null, e.getMessage()), null);
        assertTrue(page.contains("kib: &#39;&lt;b&gt;&amp;&#39; is not a whole number"), page);
        assertFalse(page.contains("&amp;lt;"), "escaped twice");
    }

    @Test
    void onlyThePagesActionsAndDestroyNeedsItsBox() throws Exception {
        assertTrue(assertThrows(Actions.Invalid.class, () -> Actions.parse("vm1", Map.of("op", "undefine"))).getMessage()
                .startsWith("op: 'undefine' is not one of the page's actions"));
        assertThrows(Actions.Invalid.class, () -> Actions.parse("vm1", Map.of("op", "destroy")));
        assertEquals(Op.DESTROY, Actions.parse("vm1", Map.of("op", "destroy", "confirm", "yes")).op());
    }
}
