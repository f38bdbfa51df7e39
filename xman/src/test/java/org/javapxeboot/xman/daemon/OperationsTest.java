package org.javapxeboot.xman.daemon;

import org.javapxeboot.xman.vm.FakeVm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deadlines, per-domain locks, the bounded queue and the syslog queue, through xmand's HTTP side,
 * with a fake libvirt whose calls hang on a latch and deadlines that pass when the test says so.
 * Nothing here waits for time to pass; the class timeout only stops a hang.
 */
@Timeout(60)
class OperationsTest {
    static final XmandServer.Limits LIMITS = new XmandServer.Limits(Duration.ofSeconds(60), Duration.ofMinutes(30), 2, 4);

    static Audit audit(ByteArrayOutputStream log) {
        return new Audit(log, null, Clock.systemUTC(), "h0");
    }

    /** A hung libvirt call answers 504 at its deadline and frees its domain: the next operation on it runs. */
    @Test
    void hungCallTimesOutAndItsDomainIsFreeAgain() throws Exception {
        FakeVm vm = new FakeVm();
        FakeVm.Gate hung = vm.hold("pause", 1);
        ManualDeadlines deadlines = new ManualDeadlines();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (PlainXmand x = new PlainXmand(vm, audit(log), false, LIMITS, deadlines)) {
            CompletableFuture<HttpResponse<String>> first = x.postAsync("pause", "{\"domain\":\"vm1\"}");
            hung.entered().await();
            deadlines.waiting.acquire(); // the first request waits for its call
            CompletableFuture<HttpResponse<String>> second = x.postAsync("destroy", "{\"domain\":\"vm1\"}");
            deadlines.waiting.acquire(); // the second waits for vm1's lock
            deadlines.expire(1);
            HttpResponse<String> r2 = second.get();
            assertEquals(504, r2.statusCode(), r2.body());
            assertTrue(r2.body().contains("destroy vm1: another operation on vm1 did not finish within 60 s; nothing was done"), r2.body());

            deadlines.expire(0);
            HttpResponse<String> r1 = first.get();
            assertEquals(504, r1.statusCode(), r1.body());
            assertTrue(r1.body().contains("\"kind\":\"TIMEOUT\""), r1.body());
            assertTrue(r1.body().contains("pause vm1: libvirt did not answer within 60 s; the call is still running"), r1.body());

            // The pause is still stuck in libvirt, yet vm1 is free: the next operation on it runs at once.
            assertEquals(1, hung.release().getCount());
            HttpResponse<String> r3 = x.post("unpause", "{\"domain\":\"vm1\"}");
            assertEquals(200, r3.statusCode(), r3.body());
            assertEquals(List.of("unpause vm1", "lookup vm1"), vm.calls);
            assertEquals(List.of(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60)), deadlines.started);

            String l = log.toString(StandardCharsets.UTF_8);
            assertTrue(l.contains("op=pause domain=vm1 result=failed status=504"), l);
            assertTrue(l.contains("op=destroy domain=vm1 result=failed status=504"), l);
            hung.release().countDown();
        }
    }

    /** migrate gets --migrate-timeout, everything else --op-timeout. */
    @Test
    void migrateHasItsOwnDeadline() throws Exception {
        FakeVm vm = new FakeVm();
        ManualDeadlines deadlines = new ManualDeadlines();
        try (PlainXmand x = new PlainXmand(vm, audit(new ByteArrayOutputStream()), false, LIMITS, deadlines)) {
            assertEquals(200, x.post("migrate", "{\"domain\":\"vm1\",\"destination\":\"qemu+ssh://h2/system\"}").statusCode());
            assertEquals(200, x.post("pause", "{\"domain\":\"vm1\"}").statusCode());
            assertEquals(List.of(Duration.ofMinutes(30), Duration.ofSeconds(60)), deadlines.started);
        }
    }

    /**
     * One libvirt thread, one place in the queue: with a call hung and one waiting, the next request
     * answers 503 with Retry-After and nothing is done; the queued one, past its deadline, never runs.
     */
    @Test
    void fullQueueAnswers503AndATimedOutQueuedCallNeverRuns() throws Exception {
        FakeVm vm = new FakeVm();
        FakeVm.Gate hung = vm.hold("pause", 1);
        ManualDeadlines deadlines = new ManualDeadlines();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        XmandServer.Limits one = new XmandServer.Limits(Duration.ofSeconds(60), Duration.ofMinutes(30), 1, 1);
        try (PlainXmand x = new PlainXmand(vm, audit(log), false, one, deadlines)) {
            CompletableFuture<HttpResponse<String>> running = x.postAsync("pause", "{\"domain\":\"vm1\"}");
            hung.entered().await();
            deadlines.waiting.acquire();
            CompletableFuture<HttpResponse<String>> queued = x.postAsync("destroy", "{\"domain\":\"vm2\"}");
            deadlines.waiting.acquire(); // it is in the queue, waiting

            HttpResponse<String> busy = x.post("destroy", "{\"domain\":\"vm3\"}");
            assertEquals(503, busy.statusCode(), busy.body());
            assertEquals("5", busy.headers().firstValue("Retry-After").orElse(null));
            assertTrue(busy.body().contains("\"kind\":\"BUSY\""), busy.body());
            assertTrue(busy.body().contains("destroy vm3: 1 operations are running and 1 waiting, the most this xmand takes; nothing was done"), busy.body());

            deadlines.expireAll();
            assertEquals(504, running.get().statusCode());
            HttpResponse<String> late = queued.get();
            assertEquals(504, late.statusCode(), late.body());
            assertTrue(late.body().contains("destroy vm2: not started within 60 s (the libvirt threads were busy); nothing was done"), late.body());

            // libvirt answers the hung call at last; the single thread then meets the timed-out
            // destroy (and skips it), then this list: once list answers, the destroy had its turn.
            hung.release().countDown();
            assertEquals(200, x.post("list", "").statusCode());
            assertEquals(List.of("pause vm1", "lookup vm1", "list"), vm.calls);
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("op=destroy domain=vm3 result=failed status=503"), log.toString(StandardCharsets.UTF_8));
        }
    }

    /** A syslog that stops reading: requests are still answered, and the messages it missed are counted in info. */
    @Test
    void blockedSyslogNeverHoldsARequest() throws Exception {
        StuckSyslog stuck = new StuckSyslog();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Audit audit = new Audit(log, stuck, Clock.systemUTC(), "h0", 1);
        try (PlainXmand x = new PlainXmand(new FakeVm(), audit, false)) {
            assertEquals(200, x.post("list", "").statusCode());
            stuck.entered.await(); // the writer is stuck sending the first line
            assertEquals(200, x.post("pause", "{\"domain\":\"vm1\"}").statusCode()); // queued
            assertEquals(200, x.post("unpause", "{\"domain\":\"vm1\"}").statusCode()); // dropped
            HttpResponse<String> info = x.post("info", "");
            assertEquals(200, info.statusCode());
            assertTrue(info.body().contains("\"syslogDropped\":1"), info.body());
            assertEquals(2, audit.syslogDropped()); // and info's own line
            String l = log.toString(StandardCharsets.UTF_8);
            assertEquals(4, l.lines().filter(s -> s.contains(" REQUEST ")).count(), l);
            assertEquals(1, l.lines().filter(s -> s.contains("WARNING syslog: 1 messages wait for syslog, the most kept; dropping")).count(), l);
            stuck.release();
        } finally {
            audit.close();
        }
        assertEquals(2, stuck.sent.size());
        String second = new String(stuck.sent.get(1), StandardCharsets.UTF_8);
        assertTrue(second.contains("op=\"pause\""), second);
    }
}
