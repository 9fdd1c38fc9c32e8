package org.pyignite.harness;

import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.services.ServiceConfiguration;

/**
 * What the compute and services tests need on a node, applied by {@link IgniteNode} before the node starts.
 *
 * <ul>
 *   <li>{@code --attribute name=value}: a user attribute of this node (cluster group tests select by it);</li>
 *   <li>{@code --services}: deploy the test services: {@code counter} ({@link CounterService}, one instance in
 *       the cluster, deployed by the node carrying the attribute {@code pyignite.role=special} on itself; a
 *       cluster without such a node has no counter),
 *       {@code objects} ({@link ObjectsService}, one instance on every server node).</li>
 * </ul>
 * The compute tasks ({@link WordCountTask}, {@link NodeNamesTask}, {@link SleepTask}, {@link FailingTask}) need
 * no deployment: the thin client names them by class, and every node has them on its class path.
 */
public final class ComputeDeployments {
    /** The attribute that marks the node hosting the {@code counter} service. */
    public static final String ROLE = "pyignite.role";

    private ComputeDeployments() {
    }

    static void configure(IgniteConfiguration cfg, Map<String, String> opts) {
        String attr = opts.get("attribute");
        if (attr != null && !attr.isEmpty()) {
            int eq = attr.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--attribute expects name=value, not " + attr);
            }
            cfg.setUserAttributes(Map.of(attr.substring(0, eq), attr.substring(eq + 1)));
        }
        if (opts.containsKey("services")) {
            ServiceConfiguration objects = new ServiceConfiguration();
            objects.setName("objects");
            objects.setService(new ObjectsService());
            objects.setMaxPerNodeCount(1);
            cfg.setServiceConfiguration(objects);
        }
    }

    /** After the node started: the node marked {@code pyignite.role=special} deploys {@code counter} on itself. */
    static void started(Ignite ignite, Map<String, String> opts) {
        if (opts.containsKey("services") && "special".equals(ignite.cluster().localNode().attribute(ROLE))) {
            ignite.services(ignite.cluster().forLocal()).deployClusterSingleton("counter", new CounterService());
        }
    }
}
