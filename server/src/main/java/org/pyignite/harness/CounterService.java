package org.pyignite.harness;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.ignite.Ignite;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.ignite.resources.ServiceContextResource;
import org.apache.ignite.services.Service;
import org.apache.ignite.services.ServiceCallContext;
import org.apache.ignite.services.ServiceContext;

/**
 * A counter with overloaded methods: {@code add(int)}, {@code add(long)}, {@code add(String)} and the
 * {@code describe} family tell which Java overload a call reached, which is what argument type hints are for.
 */
public class CounterService implements Service {
    private static final long serialVersionUID = 1L;

    private final AtomicLong value = new AtomicLong();

    @IgniteInstanceResource
    private transient Ignite ignite;

    @ServiceContextResource
    private transient ServiceContext ctx;

    public long get() {
        return value.get();
    }

    public long increment() {
        return value.incrementAndGet();
    }

    public void reset() {
        value.set(0);
    }

    public int add(int delta) {
        return (int) value.addAndGet(delta);
    }

    public long add(long delta) {
        return value.addAndGet(delta);
    }

    public long add(String delta) {
        return value.addAndGet(Long.parseLong(delta.trim()));
    }

    public String describe(int v) {
        return "int " + v;
    }

    public String describe(long v) {
        return "long " + v;
    }

    public String describe(Integer v) {
        return "Integer " + v;
    }

    public String describe(String v) {
        return "String " + v;
    }

    public String describe(double v) {
        return "double " + v;
    }

    public String describe(Point p) {
        return "Point " + p.x + "," + p.y + " " + p.label;
    }

    public String describe(int a, long b) {
        return "int,long " + a + "," + b;
    }

    /** The consistent id of the node this instance runs on. */
    public String nodeName() {
        return String.valueOf(ignite.cluster().localNode().consistentId());
    }

    /** A caller context attribute of the current call (null without a context). */
    public String callerAttribute(String name) {
        ServiceCallContext call = ctx == null ? null : ctx.currentCallContext();
        return call == null ? null : call.attribute(name);
    }

    public long divide(long a, long b) {
        return a / b;
    }
}
