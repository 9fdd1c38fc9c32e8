package org.pyignite.harness;

import java.util.Collections;
import java.util.List;
import org.apache.ignite.compute.ComputeJob;
import org.apache.ignite.compute.ComputeJobAdapter;
import org.apache.ignite.compute.ComputeJobResult;
import org.apache.ignite.compute.ComputeTaskSplitAdapter;

/** Its one job throws {@code IllegalArgumentException("bad argument: <arg>")}. */
public class FailingTask extends ComputeTaskSplitAdapter<Object, Object> {
    private static final long serialVersionUID = 1L;

    @Override
    protected List<ComputeJob> split(int gridSize, Object arg) {
        return Collections.singletonList(new ComputeJobAdapter() {
            @Override
            public Object execute() {
                throw new IllegalArgumentException("bad argument: " + arg);
            }
        });
    }

    @Override
    public Object reduce(List<ComputeJobResult> results) {
        return results.get(0).getData();
    }
}
