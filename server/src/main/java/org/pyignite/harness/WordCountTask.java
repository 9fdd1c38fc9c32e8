package org.pyignite.harness;

import java.util.ArrayList;
import java.util.List;
import org.apache.ignite.IgniteException;
import org.apache.ignite.compute.ComputeJob;
import org.apache.ignite.compute.ComputeJobAdapter;
import org.apache.ignite.compute.ComputeJobResult;
import org.apache.ignite.compute.ComputeTaskSplitAdapter;

/** Counts the words of a String: one job per word (spread over the task's nodes), each returning 1. */
public class WordCountTask extends ComputeTaskSplitAdapter<String, Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    protected List<ComputeJob> split(int gridSize, String arg) {
        if (arg == null) {
            throw new IgniteException("WordCountTask needs a String argument");
        }
        List<ComputeJob> jobs = new ArrayList<>();
        for (String word : arg.split("\\s+")) {
            if (!word.isEmpty()) {
                jobs.add(new ComputeJobAdapter() {
                    @Override
                    public Object execute() {
                        return 1;
                    }
                });
            }
        }
        return jobs;
    }

    @Override
    public Integer reduce(List<ComputeJobResult> results) {
        int sum = 0;
        for (ComputeJobResult res : results) {
            sum += res.<Integer>getData();
        }
        return sum;
    }
}
