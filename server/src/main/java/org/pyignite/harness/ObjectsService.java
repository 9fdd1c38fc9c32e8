package org.pyignite.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.ignite.services.Service;
import org.apache.ignite.services.ServiceContext;

/** Takes and returns complex (binary) objects and collections of them; one instance per server node. */
public class ObjectsService implements Service {
    private static final long serialVersionUID = 1L;

    @IgniteInstanceResource
    private transient Ignite ignite;

    // The life-cycle methods that take the context: abstract before 2.13, so every release from 2.9 on
    // accepts this class (see CounterService).
    @Override public void init(ServiceContext ctx) {
        // Nothing to set up.
    }

    @Override public void execute(ServiceContext ctx) {
        // Nothing runs in the background: the service only answers calls.
    }

    @Override public void cancel(ServiceContext ctx) {
        // Nothing to release.
    }

    public Point move(Point p, int dx, int dy) {
        return new Point(p.x + dx, p.y + dy, p.label == null ? null : p.label + "'");
    }

    public List<Point> line(int n) {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            points.add(new Point(i, i * i, "p" + i));
        }
        return points;
    }

    public Map<String, Integer> wordLengths(String text) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String w : text.split("\\s+")) {
            if (!w.isEmpty()) {
                out.put(w, w.length());
            }
        }
        return out;
    }

    public Object echo(Object value) {
        return value;
    }

    /** Sleeps {@code millis} ms (for call timeouts), then returns the node's consistent id. */
    public String sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return nodeName();
    }

    /** The consistent id of the node this instance runs on. */
    public String nodeName() {
        return String.valueOf(ignite.cluster().localNode().consistentId());
    }
}
