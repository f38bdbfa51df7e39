package org.javapxeboot.xman.portal.web;

import org.javapxeboot.xman.portal.fleet.Overview;
import org.javapxeboot.xman.portal.fleet.StateView;
import org.javapxeboot.xman.vm.VmControl.DomainInfo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The portal's pages as HTML, and the overview as JSON: pure functions of what they show. The
 * element ids and classes (table#overview, tr.stale, tr[data-host][data-domain], td.state,
 * #legend, form.action[data-op], #result, #error) are the pages' interface for the script and the
 * browser tests; no inline script or style (the CSP forbids them).
 */
final class Pages {
    static final String STALE_SENTENCE = "A greyed row is stale: its information is older than two polls.";
    private static final DateTimeFormatter READ_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Pages() {}

    static String readAt(Instant t) {
        return t == null ? "" : READ_AT.format(t);
    }

    static String memory(long kib) {
        return kib >= 1024 * 1024 && kib % (1024 * 1024) == 0 ? kib / (1024 * 1024) + " GiB" : kib / 1024 + " MiB";
    }

    private static void head(Html h, String title, String user) {
        h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .el("<title>", "</title>", title)
                .raw("<link rel=\"stylesheet\" href=\"/static/portal.css\">")
                .raw("<script src=\"/static/portal.js\" defer></script></head><body>")
                .raw("<header><a href=\"/\" class=\"home\">xman portal</a>");
        if (user != null) h.el("<span class=\"user\">", "</span>", user);
        h.raw("</header><main>");
    }

    private static void foot(Html h) {
        h.raw("</main></body></html>\n");
    }

    /**
     * The overview. {@code host}/{@code state} filter on the server (the page then works without
     * JavaScript; the script filters the same way without a reload).
     */
    static String overview(List<Overview.Row> rows, StateView view, String user, Instant now, long pollSeconds,
                           String host, String state) {
        Html h = new Html();
        head(h, "xman portal: overview", user);
        TreeSet<String> hosts = new TreeSet<>();
        TreeSet<String> states = new TreeSet<>();
        for (Overview.Row r : rows) {
            hosts.add(r.host());
            if (r.state() != null) states.add(r.state());
        }
        for (StateView.Legend l : view.legend()) states.add(l.state());
        h.raw("<form id=\"filters\" method=\"get\" action=\"/\"><label>Host <select name=\"host\" id=\"filter-host\"><option value=\"\">all</option>");
        for (String s : hosts) option(h, s, s.equals(host));
        h.raw("</select></label> <label>State <select name=\"state\" id=\"filter-state\"><option value=\"\">all</option>");
        for (String s : states) option(h, s, s.equals(state));
        h.raw("</select></label> <button type=\"submit\">Filter</button></form>");
        h.raw("<table id=\"overview\" data-refresh=\"").text(pollSeconds).raw("\"><thead><tr><th>host</th><th>domain</th>")
                .raw("<th>state</th><th class=\"num\">vCPUs</th><th class=\"num\">memory</th><th>read at</th></tr></thead><tbody>");
        for (Overview.Row r : rows) {
            if (host != null && !host.isEmpty() && !host.equals(r.host())) continue;
            if (state != null && !state.isEmpty() && !state.equals(r.state())) continue;
            row(h, r);
        }
        h.raw("</tbody></table>");
        h.raw("<p id=\"generated\">Page made at ").text(readAt(now)).raw("; the hosts are read every ").text(pollSeconds).raw(" s.</p>");
        legend(h, view);
        foot(h);
        return h.toString();
    }

    private static void option(Html h, String v, boolean selected) {
        h.raw("<option value=\"").text(v).raw(selected ? "\" selected>" : "\">").text(v).raw("</option>");
    }

    private static void row(Html h, Overview.Row r) {
        String cls = r.domain() == null ? (r.stale() ? "host stale" : "host") : (r.stale() ? "stale" : "");
        h.raw("<tr data-host=\"").text(r.host());
        if (r.domain() != null) h.raw("\" data-domain=\"").text(r.domain()).raw("\" data-state=\"").text(r.state());
        h.raw(cls.isEmpty() ? "\">" : "\" class=\"" + cls + "\">");
        h.el("<td class=\"host\">", "</td>", r.host());
        if (r.domain() == null) {
            h.el("<td class=\"problem\" colspan=\"5\">", "</td>", r.problem());
        } else {
            h.raw("<td class=\"domain\"><a href=\"/domain/").text(Html.segment(r.host())).raw("/").text(Html.segment(r.domain()))
                    .raw("\">").text(r.domain()).raw("</a></td>");
            h.el("<td class=\"state\">", "</td>", r.state());
            h.el("<td class=\"num\">", "</td>", r.vcpus());
            h.el("<td class=\"num\">", "</td>", memory(r.memoryKiB()));
            h.raw("<td class=\"read-at\"><time datetime=\"").text(r.readAt()).raw("\">").text(readAt(r.readAt())).raw("</time></td>");
        }
        h.raw("</tr>\n");
    }

    private static void legend(Html h, StateView view) {
        h.raw("<section id=\"legend\"><h2>Legend</h2><dl>");
        for (StateView.Legend l : view.legend()) h.el("<dt>", "</dt>", l.state()).el("<dd>", "</dd>", l.meaning());
        h.raw("</dl>");
        if (view.note() != null) h.el("<p class=\"note\">", "</p>", view.note());
        h.el("<p class=\"stale-note\"><span class=\"stale-sample\">greyed</span> ", "</p>", STALE_SENTENCE);
        h.raw("</section>");
    }

    /** The overview for the script: the same rows, as JSON members. */
    static Map<String, Object> overviewJson(List<Overview.Row> rows, Instant now, long pollSeconds) {
        List<Object> l = new ArrayList<>(rows.size());
        for (Overview.Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", r.host());
            if (r.domain() != null) {
                m.put("domain", r.domain());
                m.put("href", "/domain/" + Html.segment(r.host()) + "/" + Html.segment(r.domain()));
                m.put("state", r.state());
                m.put("vcpus", (long) r.vcpus());
                m.put("memory", memory(r.memoryKiB()));
                m.put("readAt", r.readAt() == null ? null : r.readAt().toString());
                m.put("readAtText", readAt(r.readAt()));
            } else {
                m.put("problem", r.problem());
            }
            m.put("stale", r.stale());
            l.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("generated", now.toString());
        out.put("pollSeconds", pollSeconds);
        out.put("rows", l);
        return out;
    }

    /** What the details page shows; {@code info} null when lookup failed ({@code readError} says why). */
    record Details(String host, String domain, DomainInfo info, String xml, List<String> dmesg, String readError,
                   List<String> otherHosts, String csrf, String result, String error) {}

    static String details(Details d, String user) {
        Html h = new Html();
        head(h, "xman portal: " + d.domain() + " on " + d.host(), user);
        h.raw("<h1>").text(d.domain()).raw(" <small>on ").text(d.host()).raw("</small></h1>");
        if (d.result() != null) h.el("<p id=\"result\" class=\"result\">", "</p>", d.result());
        if (d.error() != null) h.el("<p id=\"error\" class=\"error\">", "</p>", d.error());
        if (d.readError() != null) h.el("<p class=\"error\" id=\"read-error\">", "</p>", d.readError());
        if (d.info() != null) {
            DomainInfo i = d.info();
            h.raw("<table id=\"info\"><tbody>");
            kv(h, "state", org.javapxeboot.xman.portal.fleet.LibvirtStates.word(i.state()));
            kv(h, "uuid", i.uuid());
            kv(h, "id", i.id());
            kv(h, "vCPUs", i.vcpus());
            kv(h, "memory", memory(i.memoryKiB()) + " of " + memory(i.maxMemoryKiB()));
            kv(h, "CPU time", i.cpuTimeNanos() / 1_000_000_000L + " s");
            kv(h, "persistent", i.persistent() ? "yes" : "no");
            kv(h, "autostart", i.autostart() ? "yes" : "no");
            h.raw("</tbody></table>");
        }
        if (d.xml() != null) h.raw("<details id=\"xml\"><summary>Domain XML</summary><pre>").text(d.xml()).raw("</pre></details>");
        h.raw("<section id=\"actions\"><h2>Actions</h2>");
        String action = "/domain/" + Html.segment(d.host()) + "/" + Html.segment(d.domain());
        for (String op : List.of("shutdown", "reboot", "pause", "unpause")) {
            form(h, action, op, d.csrf()).raw("<button type=\"submit\">").text(op).raw("</button></form>");
        }
        form(h, action, "mem-set", d.csrf()).raw("<label>memory (KiB) <input name=\"kib\" type=\"number\" min=\"1\" required></label>")
                .raw("<button type=\"submit\">mem-set</button></form>");
        form(h, action, "vcpu-set", d.csrf()).raw("<label>vCPUs <input name=\"count\" type=\"number\" min=\"1\" required></label>")
                .raw("<button type=\"submit\">vcpu-set</button></form>");
        form(h, action, "destroy", d.csrf()).raw("<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> ")
                .raw("yes, terminate it immediately</label><button type=\"submit\" class=\"danger\">destroy</button></form>");
        form(h, action, "migrate", d.csrf()).raw("<label>to <select name=\"destination\" required>");
        for (String o : d.otherHosts()) h.raw("<option value=\"").text(o).raw("\">").text(o).raw("</option>");
        h.raw("</select></label><label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> yes, migrate it</label>")
                .raw("<button type=\"submit\" class=\"danger\"").raw(d.otherHosts().isEmpty() ? " disabled" : "").raw(">migrate</button></form>");
        h.raw("</section>");
        if (d.dmesg() != null) {
            h.raw("<section id=\"dmesg\"><h2>Host messages (dmesg, last ").text(d.dmesg().size()).raw(")</h2><pre>");
            for (String line : d.dmesg()) h.text(line).raw("\n");
            h.raw("</pre></section>");
        }
        foot(h);
        return h.toString();
    }

    private static void kv(Html h, String k, Object v) {
        h.el("<tr><th>", "</th>", k).el("<td>", "</td></tr>", v);
    }

    private static Html form(Html h, String action, String op, String csrf) {
        return h.raw("<form class=\"action\" data-op=\"").text(op).raw("\" method=\"post\" action=\"").text(action).raw("\">")
                .raw("<input type=\"hidden\" name=\"op\" value=\"").text(op).raw("\">")
                .raw("<input type=\"hidden\" name=\"csrf\" value=\"").text(csrf).raw("\">");
    }

    /** A refusal or failure before any page could be made (401, 403, 404...). */
    static String problem(int status, String message) {
        Html h = new Html();
        head(h, "xman portal: " + status, null);
        h.el("<h1>", "</h1>", status);
        h.el("<p id=\"error\" class=\"error\">", "</p>", message);
        foot(h);
        return h.toString();
    }
}
