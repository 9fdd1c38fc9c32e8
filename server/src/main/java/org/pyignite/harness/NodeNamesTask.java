package org.pyignite.harness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.compute.ComputeJob;
import org.apache.ignite.compute.ComputeJobAdapter;
import org.apache.ignite.compute.ComputeJobResult;
import org.apache.ignite.compute.ComputeTaskAdapter;
import org.apache.ignite.resources.IgniteInstanceResource;

/**
 * Runs one job on every node of the task's cluster group; each job reports the node it runs on as
 * {@code "consistentId"} or, when the argument names a node attribute, {@code "consistentId=value"}.
 * The result is the sorted list of those strings.
 */
public class NodeNamesTask extends ComputeTaskAdapter<String, List<String>> {
    private static final long serialVersionUID = 1L;

    @Override
    public Map<? extends ComputeJob, ClusterNode> map(List<ClusterNode> subgrid, String attribute) {
        Map<ComputeJob, ClusterNode> jobs = new HashMap<>();
        for (ClusterNode node : subgrid) {
            jobs.put(new Reporter(attribute), node);
        }
        return jobs;
    }

    @Override
    public List<String> reduce(List<ComputeJobResult> results) {
        List<String> names = new ArrayList<>();
        for (ComputeJobResult res : results) {
            names.add(res.<String>getData());
        }
        Collections.sort(names);
        return names;
    }

    /** Reports the local node. */
    static final class Reporter extends ComputeJobAdapter {
        private static final long serialVersionUID = 1L;
        private final String attribute;

        @IgniteInstanceResource
        private transient Ignite ignite;

        Reporter(String attribute) {
            this.attribute = attribute;
        }

        @Override
        public Object execute() {
            ClusterNode local = ignite.cluster().localNode();
            String name = String.valueOf(local.consistentId());
            return attribute == null ? name : name + "=" + local.attribute(attribute);
        }
    }
}
