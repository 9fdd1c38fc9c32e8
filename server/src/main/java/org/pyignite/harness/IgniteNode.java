package org.pyignite.harness;

import java.io.FileInputStream;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.configuration.WALMode;
import org.apache.ignite.failure.StopNodeOrHaltFailureHandler;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

/**
 * Starts one Apache Ignite server node on 127.0.0.1 for the pyignite test harness.
 *
 * <p>Every option is a {@code --name value} pair (flags take no value):
 * <ul>
 *   <li>{@code --name} instance name and consistent id (required);</li>
 *   <li>{@code --client-port} thin client port (port range 0);</li>
 *   <li>{@code --discovery-port}, {@code --discovery-range}: this node's discovery port; the IP finder lists
 *       {@code discovery-port-base .. base+range-1};</li>
 *   <li>{@code --discovery-base}: first discovery port of the cluster;</li>
 *   <li>{@code --communication-port};</li>
 *   <li>{@code --work-dir}: Ignite work directory (persistence files live here);</li>
 *   <li>{@code --persistence}, {@code --auth} (implies persistence), {@code --compute [N]} (thin client
 *       compute on, at most N active tasks per connection, default 100);</li>
 *   <li>{@code --attribute name=value}, {@code --services}: see {@link ComputeDeployments};</li>
 *   <li>{@code --activate N}: once the topology has N server nodes, activate the cluster;</li>
 *   <li>{@code --ssl-keystore}, {@code --ssl-truststore}, {@code --ssl-password}, {@code --ssl-client-auth};</li>
 *   <li>{@code --region-mb}: default data region size in MiB;</li>
 *   <li>{@code --idle-timeout MS}: the client connector's idle timeout (default 0: none).</li>
 * </ul>
 * Prints {@code PYIGNITE-NODE-STARTED} once the node is up (and activated, if asked).
 */
public final class IgniteNode {
    private IgniteNode() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        String name = require(opts, "name");
        int clientPort = Integer.parseInt(require(opts, "client-port"));
        int discoveryPort = Integer.parseInt(require(opts, "discovery-port"));
        int discoveryBase = Integer.parseInt(opts.getOrDefault("discovery-base", String.valueOf(discoveryPort)));
        int discoveryRange = Integer.parseInt(opts.getOrDefault("discovery-range", "10"));
        int commPort = Integer.parseInt(require(opts, "communication-port"));
        boolean auth = opts.containsKey("auth");
        boolean persistence = auth || opts.containsKey("persistence");
        long regionMb = Long.parseLong(opts.getOrDefault("region-mb", "256"));

        IgniteConfiguration cfg = new IgniteConfiguration();
        cfg.setIgniteInstanceName(name);
        cfg.setConsistentId(name);
        cfg.setLocalHost("127.0.0.1");
        cfg.setWorkDirectory(require(opts, "work-dir"));
        cfg.setMetricsLogFrequency(0);
        // No TCP REST connector: it would take a port in 11211..11310, where test client ports may live.
        cfg.setConnectorConfiguration(null);
        cfg.setPeerClassLoadingEnabled(false);
        cfg.setFailureHandler(new StopNodeOrHaltFailureHandler());
        cfg.setAuthenticationEnabled(auth);

        TcpDiscoverySpi disco = new TcpDiscoverySpi();
        disco.setLocalAddress("127.0.0.1");
        disco.setLocalPort(discoveryPort);
        disco.setLocalPortRange(0);
        TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder();
        List<String> addrs = new ArrayList<>();
        addrs.add("127.0.0.1:" + discoveryBase + ".." + (discoveryBase + discoveryRange - 1));
        finder.setAddresses(addrs);
        disco.setIpFinder(finder);
        cfg.setDiscoverySpi(disco);

        TcpCommunicationSpi comm = new TcpCommunicationSpi();
        comm.setLocalAddress("127.0.0.1");
        comm.setLocalPort(commPort);
        comm.setLocalPortRange(0);
        cfg.setCommunicationSpi(comm);

        DataRegionConfiguration region = new DataRegionConfiguration();
        region.setName("default");
        region.setInitialSize(Math.min(64L, regionMb) * 1024 * 1024);
        region.setMaxSize(regionMb * 1024 * 1024);
        region.setPersistenceEnabled(persistence);
        DataStorageConfiguration storage = new DataStorageConfiguration();
        storage.setDefaultDataRegionConfiguration(region);
        if (persistence) {
            storage.setWalMode(WALMode.LOG_ONLY);
            storage.setWalSegmentSize(4 * 1024 * 1024);
            storage.setWalSegments(4);
            storage.setMaxWalArchiveSize(64L * 1024 * 1024);
        }
        cfg.setDataStorageConfiguration(storage);

        ClientConnectorConfiguration client = new ClientConnectorConfiguration();
        client.setHost("127.0.0.1");
        client.setPort(clientPort);
        client.setPortRange(0);
        if (opts.containsKey("idle-timeout")) {
            // close client connections idle this long (ms): heartbeat tests
            client.setIdleTimeout(Long.parseLong(opts.get("idle-timeout")));
        }
        // ThinClientConfiguration (thin client compute and its limits) arrived in 2.9: built reflectively
        // so the launcher compiles against 2.8 too, where thin client compute does not exist.
        Object thin = newIfPresent("org.apache.ignite.configuration.ThinClientConfiguration");
        if (thin != null) {
            if (opts.containsKey("compute")) {
                String limit = opts.get("compute");
                invokeIfPresent(thin, "setMaxActiveComputeTasksPerConnection", int.class,
                    limit.isEmpty() ? 100 : Integer.parseInt(limit));
                // Java exceptions of compute jobs and services reach the client with their class (stack trace).
                // The setting arrived in 2.13 as the fluent sendServerExceptionStackTraceToClient(boolean) (2.14
                // added the setter setServerToClientExceptionStackTraceSending as an alias); releases before
                // 2.13 have no such setting and send the message only.
                invokeIfPresent(thin, "sendServerExceptionStackTraceToClient", boolean.class, true);
            }
            invokeIfPresent(client, "setThinClientConfiguration", thin.getClass(), thin);
        }
        if (opts.containsKey("ssl-keystore")) {
            client.setSslEnabled(true);
            client.setUseIgniteSslContextFactory(false);
            client.setSslClientAuth(opts.containsKey("ssl-client-auth"));
            client.setSslContextFactory(new SslFactory(
                opts.get("ssl-keystore"), opts.get("ssl-truststore"),
                opts.getOrDefault("ssl-password", "123456")));
        }
        cfg.setClientConnectorConfiguration(client);

        // Cache templates (partition awareness tests): the thin client cannot set a partition
        // count, so a cache created by a name matching a template (create_cache("pa17_x")) takes it
        // from here: "pa17*" 17 partitions, "pa1000*" 1000 partitions and one backup.
        CacheConfiguration<Object, Object> pa17 = new CacheConfiguration<>("pa17*");
        pa17.setAffinity(new RendezvousAffinityFunction(false, 17));
        CacheConfiguration<Object, Object> pa1000 = new CacheConfiguration<>("pa1000*");
        pa1000.setAffinity(new RendezvousAffinityFunction(false, 1000));
        pa1000.setBackups(1);
        cfg.setCacheConfiguration(pa17, pa1000);

        helper("configure", IgniteConfiguration.class, cfg, opts);
        Ignite ignite = Ignition.start(cfg);

        if (opts.containsKey("activate")) {
            int expected = Integer.parseInt(opts.get("activate"));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (ignite.cluster().forServers().nodes().size() < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cluster did not reach " + expected + " nodes");
                }
                Thread.sleep(100);
            }
            // active(boolean): every release has it (deprecated for state(ClusterState) since 2.9, which 2.8 lacks)
            if (!ignite.cluster().active()) {
                ignite.cluster().active(true);
            }
        }
        helper("started", Ignite.class, ignite, opts);
        System.out.println("PYIGNITE-NODE-STARTED " + name + " version " + ignite.version());
        System.out.flush();
    }

    /**
     * Calls a hook of the test deployments (compute tasks, services: {@code ComputeDeployments}) when
     * that class is on the class path. The harness leaves out helper classes an older Ignite release
     * cannot compile, so the launcher names them only reflectively.
     */
    private static void helper(String hook, Class<?> type, Object target, Map<String, String> opts) throws Exception {
        Class<?> cls;
        try {
            cls = Class.forName("org.pyignite.harness.ComputeDeployments");
        }
        catch (ClassNotFoundException absent) {
            return;
        }
        java.lang.reflect.Method m = cls.getDeclaredMethod(hook, type, Map.class);
        m.setAccessible(true);
        m.invoke(null, target, opts);
    }

    private static Object newIfPresent(String className) throws Exception {
        try {
            return Class.forName(className).getConstructor().newInstance();
        }
        catch (ClassNotFoundException absent) {
            return null;
        }
    }

    private static void invokeIfPresent(Object target, String name, Class<?> type, Object value) throws Exception {
        java.lang.reflect.Method m;
        try {
            m = target.getClass().getMethod(name, type);
        }
        catch (NoSuchMethodException absent) {
            return;
        }
        m.invoke(target, value);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String key = a.substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                opts.put(key, args[++i]);
            } else {
                opts.put(key, "");
            }
        }
        return Collections.unmodifiableMap(opts);
    }

    private static String require(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }

    /** SSL context built from JKS/PKCS12 stores; serializable as Ignite requires of factories. */
    static final class SslFactory implements javax.cache.configuration.Factory<SSLContext> {
        private static final long serialVersionUID = 1L;
        private final String keyStore;
        private final String trustStore;
        private final String password;

        SslFactory(String keyStore, String trustStore, String password) {
            this.keyStore = keyStore;
            this.trustStore = trustStore;
            this.password = password;
        }

        @Override
        public SSLContext create() {
            try {
                KeyStore ks = load(keyStore);
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, password.toCharArray());
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustStore == null ? ks : load(trustStore));
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
                return ctx;
            } catch (Exception e) {
                throw new IllegalStateException("cannot build SSL context: " + e, e);
            }
        }

        private KeyStore load(String path) throws Exception {
            KeyStore ks = KeyStore.getInstance(path.endsWith(".p12") ? "PKCS12" : "JKS");
            try (FileInputStream in = new FileInputStream(path)) {
                ks.load(in, password.toCharArray());
            }
            return ks;
        }
    }
}
