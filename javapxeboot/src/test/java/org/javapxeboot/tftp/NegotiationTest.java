package org.javapxeboot.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** One option codec for both sides: what the client asks, the server grants and the client accepts agree. */
class NegotiationTest {
    private static final Negotiation.Limits LIMITS = new Negotiation.Limits(1468, 64, 1_000_000, 1 << 20);

    @Test void clientRequestServerOackClientAcceptance() {
        Map<String, String> asked = Negotiation.requestOptions(65464, true, 2, 256);
        assertEquals("{blksize=65464, tsize=0, timeout=2, windowsize=256}", asked.toString(), "the order sent");
        Negotiation granted = Negotiation.negotiate(asked, true, 40_000_000L, LIMITS);
        assertTrue(granted.ok());
        assertEquals("{blksize=1468, tsize=40000000, timeout=2, windowsize=64}", granted.oack().toString());
        assertEquals(2_000_000, granted.timeoutMicros());
        Negotiation.Accepted a = Negotiation.acceptOack(granted.oack(), 65464, 256, true);
        assertTrue(a.ok());
        assertEquals(granted.blksize(), a.blksize());
        assertEquals(granted.windowsize(), a.windowsize());
        assertEquals(40_000_000L, a.tsize());
        assertFalse(a.empty());
    }

    @Test void lockStepAsksNoWindowsizeAndWritesGrantNone() {
        assertEquals("{blksize=1468, timeout=1}", Negotiation.requestOptions(1468, false, 1, 1).toString());
        Negotiation w = Negotiation.negotiate(Map.of("windowsize", "8", "tsize", "100"), false, 0, LIMITS);
        assertEquals(Map.of("tsize", "100"), w.oack(), "writes are lock-step: windowsize is not acknowledged");
        assertEquals(1, w.windowsize());
    }

    @Test void theServerRefusesGarbageAndIgnoresUnknownOptions() {
        assertEquals("blksize '7' is not a number >= 8", Negotiation.negotiate(Map.of("blksize", "7"), true, 0, LIMITS).error());
        assertEquals("timeout '0' is not 1..255 seconds", Negotiation.negotiate(Map.of("timeout", "0"), true, 0, LIMITS).error());
        assertEquals("utimeout '9999' is not 10000..255000000 microseconds", Negotiation.negotiate(Map.of("utimeout", "9999"), true, 0, LIMITS).error());
        assertEquals("tsize 2000000 exceeds the server's write cap of 1048576 bytes",
            Negotiation.negotiate(Map.of("tsize", "2000000"), false, 0, LIMITS).error());
        assertEquals(Map.of(), Negotiation.negotiate(Map.of("x-unknown", "1"), true, 0, LIMITS).oack());
        assertEquals(20_000, Negotiation.negotiate(Map.of("utimeout", "20000"), true, 0, LIMITS).timeoutMicros());
    }

    @Test void theClientRefusesWhatItDidNotAskFor() {
        assertEquals("OACK blksize 2000 is outside 8..1468", Negotiation.acceptOack(Map.of("blksize", "2000"), 1468, 1, true).refusal());
        assertEquals("OACK windowsize 9 is outside 1..8", Negotiation.acceptOack(Map.of("windowsize", "9"), 1468, 8, true).refusal());
        assertEquals("OACK answers tsize, which we did not ask for", Negotiation.acceptOack(Map.of("tsize", "9"), 1468, 8, false).refusal());
        assertEquals("OACK tsize -1 is negative", Negotiation.acceptOack(Map.of("tsize", "-1"), 1468, 8, true).refusal());
        assertEquals("OACK timeout 256 is outside 1..255", Negotiation.acceptOack(Map.of("timeout", "256"), 1468, 8, true).refusal());
        assertEquals("OACK option blksize=x is not a number", Negotiation.acceptOack(Map.of("blksize", "x"), 1468, 8, true).refusal());
        assertEquals("OACK answers option utimeout, which we did not ask for", Negotiation.acceptOack(Map.of("utimeout", "20000"), 1468, 8, true).refusal());
        Negotiation.Accepted empty = Negotiation.acceptOack(Map.of(), 1468, 8, true);
        assertTrue(empty.ok() && empty.empty());
        assertEquals(512, empty.blksize(), "an empty OACK negotiates nothing: RFC 1350 values");
        assertEquals(1, empty.windowsize());
    }
}
