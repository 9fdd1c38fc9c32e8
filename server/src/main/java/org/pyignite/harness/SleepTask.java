package org.pyignite.harness;

import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteException;
import org.apache.ignite.compute.ComputeJob;
import org.apache.ignite.compute.ComputeJobAdapter;
import org.apache.ignite.compute.ComputeJobResult;
import org.apache.ignite.compute.ComputeTaskSplitAdapter;
import org.apache.ignite.resources.IgniteInstanceResource;

import java.util.Collections;
import java.util.List;

/**
 * Sleeps: the argument is {@code "marker:millis"}. The job records what happened to it in the cache
 * {@code pyignite_tasks} under {@code marker}: {@code "started"}, then {@code "finished"} after sleeping
 * {@code millis} ms, or {@code "cancelled"} when Ignite cancelled it (the task timed out, or the client
 * closed it). The result is the marker.
 */
public class SleepTask extends ComputeTaskSplitAdapter<String, String> {
    private static final long serialVersionUID = 1L;

    /** The cache the jobs record their state in. */
    public static final String CACHE = "pyignite_tasks";

    @Override
    protected List<ComputeJob> split(int gridSize, String arg) {
        int colon = arg == null ? -1 : arg.lastIndexOf(':');
        if (colon < 0) {
            throw new IgniteException("SleepTask expects \"marker:millis\", not " + arg);
        }
        return Collections.singletonList(new Sleeper(arg.substring(0, colon), Long.parseLong(arg.substring(colon + 1))));
    }

    @Override
    public String reduce(List<ComputeJobResult> results) {
        return results.get(0).getData();
    }

    static final class Sleeper extends ComputeJobAdapter {
        private static final long serialVersionUID = 1L;
        private final String marker;
        private final long millis;

        @IgniteInstanceResource
        private transient Ignite ignite;

        Sleeper(String marker, long millis) {
            this.marker = marker;
            this.millis = millis;
        }

        @Override
        public Object execute() {
            IgniteCache<String, String> states = ignite.getOrCreateCache(CACHE);
            states.put(marker, "started");
            // Sleep in slices: Ignite cancels a job by flagging it (and interrupting it only sometimes).
            long end = System.currentTimeMillis() + millis;
            try {
                while (!isCancelled() && System.currentTimeMillis() < end) {
                    Thread.sleep(Math.max(1, Math.min(50, end - System.currentTimeMillis())));
                }
            } catch (InterruptedException e) {
                states.put(marker, "cancelled");
                Thread.currentThread().interrupt();
                return marker;
            }
            states.put(marker, isCancelled() ? "cancelled" : "finished");
            return marker;
        }
    }
}
