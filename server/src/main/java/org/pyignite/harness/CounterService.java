package org.pyignite.harness;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ignite.Ignite;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.ignite.services.Service;
import org.apache.ignite.services.ServiceContext;

/**
 * A counter with overloaded methods: {@code add(int)}, {@code add(long)}, {@code add(String)} and the
 * {@code describe} family tell which Java overload a call reached, which is what argument type hints are for.
 *
 * <p>Written against the service API every release from 2.9 on shares: the three life-cycle methods that take
 * the {@link ServiceContext} (abstract before 2.13, default methods since), no {@code @ServiceContextResource}
 * (2.13 and newer), and the caller context (2.13 and newer too) reached by reflection.
 */
public class CounterService implements Service {
    private static final long serialVersionUID = 1L;

    private final AtomicLong value = new AtomicLong();

    @IgniteInstanceResource
    private transient Ignite ignite;

    private transient ServiceContext ctx;

    @Override public void init(ServiceContext ctx) {
        this.ctx = ctx;
    }

    @Override public void execute(ServiceContext ctx) {
        // Nothing runs in the background: the service only answers calls.
    }

    @Override public void cancel(ServiceContext ctx) {
        // Nothing to release.
    }

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
    public String callerAttribute(String name) throws ReflectiveOperationException {
        if (ctx == null) {
            return null;
        }
        // ServiceContext.currentCallContext() and ServiceCallContext exist from 2.13 on; a release before that
        // has no caller context (its clients cannot send one), so this answers null there.
        Method current;
        try {
            current = ServiceContext.class.getMethod("currentCallContext");
        } catch (NoSuchMethodException e) {
            return null;
        }
        Object call = current.invoke(ctx);
        if (call == null) {
            return null;
        }
        Method attribute = current.getReturnType().getMethod("attribute", String.class);
        return (String) attribute.invoke(call, name);
    }

    public long divide(long a, long b) {
        return a / b;
    }
}
