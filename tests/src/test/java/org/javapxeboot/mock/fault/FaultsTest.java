package org.javapxeboot.mock.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultsTest {
    private static List<Integer> decisions(Faults f, long stream) {
        FaultInjector inj = new FaultInjector(f, stream, new FaultCounters());
        List<Integer> out = new ArrayList<>();
        for (int i = 1; i <= 500; i++) out.add(inj.outgoingCopies(i));
        return out;
    }

    @Test void sameSeedSameDecisions() {
        Faults f = Faults.builder().drop(0.1).duplicate(0.1).seed(42).build();
        assertEquals(decisions(f, 1), decisions(f, 1));
        assertNotEquals(decisions(f, 1), decisions(f, 2), "each transfer gets its own stream");
        assertNotEquals(decisions(f, 1), decisions(f.toBuilder().seed(43).build(), 1));
    }

    @Test void dropBlockOnlyOnce() {
        FaultCounters c = new FaultCounters();
        FaultInjector inj = new FaultInjector(Faults.builder().dropBlock(5).build(), 1, c);
        assertEquals(1, inj.outgoingCopies(4));
        assertEquals(0, inj.outgoingCopies(5));
        assertEquals(1, inj.outgoingCopies(5), "the retransmission goes through");
        assertEquals(1, c.dropped());
    }

    @Test void dropEveryNth() {
        FaultInjector inj = new FaultInjector(Faults.builder().dropEvery(3).build(), 1, new FaultCounters());
        List<Integer> got = new ArrayList<>();
        for (int i = 1; i <= 6; i++) got.add(inj.outgoingCopies(i));
        assertEquals(List.of(1, 1, 0, 1, 1, 0), got);
    }

    @Test void badValuesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Faults.builder().drop(1.5)).getMessage().contains("drop probability 1.5"));
        assertThrows(IllegalArgumentException.class, () -> Faults.builder().dropBlock(0));
        assertThrows(IllegalArgumentException.class, () -> Faults.builder().delayMillis(-1));
        assertThrows(IllegalArgumentException.class, () -> Faults.builder().dropEvery(1));
    }

    @Test void errorFaultParsing() {
        ErrorFault e = ErrorFault.parse("1:File not found@pxelinux.cfg/default", 0);
        assertEquals(1, e.code());
        assertEquals("File not found", e.message());
        assertEquals("pxelinux.cfg/default", e.file());
        assertTrue(e.appliesTo("/pxelinux.cfg/default"));
        ErrorFault any = ErrorFault.parse("0:go away", 3);
        assertNull(any.file());
        assertEquals(3, any.afterBlocks());
        assertTrue(any.appliesTo("whatever"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ErrorFault.parse("x:y", 0)).getMessage().contains("'x:y'"));
        assertThrows(IllegalArgumentException.class, () -> ErrorFault.parse("nocolon", 0));
    }
}
