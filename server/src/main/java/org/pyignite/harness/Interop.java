package org.pyignite.harness;

import java.io.PrintStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.cache.Cache;
import org.apache.ignite.Ignition;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.binary.BinaryObjectBuilder;
import org.apache.ignite.binary.BinaryObjectException;
import org.apache.ignite.binary.BinaryRawReader;
import org.apache.ignite.binary.BinaryRawWriter;
import org.apache.ignite.binary.BinaryReader;
import org.apache.ignite.binary.BinaryWriter;
import org.apache.ignite.binary.Binarylizable;
import org.apache.ignite.binary.BinaryType;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.configuration.BinaryConfiguration;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

/**
 * Java side of pyignite's interoperability tests: an Ignite thin client that writes binary objects for
 * Python to read and prints what it reads, through Ignite's own binary API ({@code withKeepBinary}).
 *
 * <p>Usage: {@code Interop <port> <command> <cache> [args]}, commands:
 * <ul>
 *   <li>{@code dump <cache>}: one JSON line per entry, {@code {"key": V, "value": V}}, then {@code {"done": n}};</li>
 *   <li>{@code write <cache>} (or {@code write-full}, with full instead of compact footers): put the
 *       scenario objects (every field type, nested objects, collections,
 *       maps, enums, a builder referenced twice, Java objects with cycles, a composite key), then
 *       print {@code {"written": n}};</li>
 *   <li>{@code hex <cache>}: for every entry whose value is a binary object, {@code {"key": V, "hex": bytes}}
 *       (the object's bytes as Ignite stores them), then {@code {"done": n}};</li>
 *   <li>{@code raw <cache> <key>}: read the entry as a Java {@link Raw} object (not keeping it binary) and
 *       print its fields, {@code {"a": n, "text": s, "number": n}};</li>
 *   <li>{@code get <cache> <type> <field>=<kind>:<value>...}: build a key object of that type and print
 *       {@code {"value": V}} for it (checks that Python-written keys hash as Java's do).</li>
 * </ul>
 *
 * <p>A value V is tagged JSON: {@code {"t": type, "v": value}} with {@code t} one of byte, short, int,
 * long, float (v: the IEEE bits as an int), double (v: the bits as a long), char (v: the code unit),
 * bool, string, uuid, date (ms), timestamp ([ms, nanos within the ms]), time (ms), decimal (v: unscaled
 * value as a string, plus "scale"), the same names with {@code []} for arrays, object[] (v: list of V),
 * collection and map (plus "kind": the Java class as Ignite's collection/map type byte; a map's v is a
 * list of [K, V] pairs), enum ("type", "ordinal", "name"), object ("type", "fields": {name: V}), and
 * {@code {"t": "ref"}} for a reference back to an object being printed (a cycle). {@code null} is null.
 */
public final class Interop {
    private Interop() {
    }

    /** A plain Java class written by the thin client's own marshaller (handles and cycles). */
    public static final class Node implements Serializable {
        private static final long serialVersionUID = 1L;

        String name;
        Node next;
        List<Object> children = new ArrayList<>();
        int[] weights;
        Shade shade;

        Node(String name) {
            this.name = name;
        }
    }

    /** A class that writes raw data after its field (Binarylizable): flag HAS_RAW. */
    public static final class Raw implements Binarylizable {
        int a;
        String text;
        long number;

        @Override public void writeBinary(BinaryWriter writer) throws BinaryObjectException {
            writer.writeInt("a", a);
            BinaryRawWriter raw = writer.rawWriter();
            raw.writeString(text);
            raw.writeLong(number);
        }

        @Override public void readBinary(BinaryReader reader) throws BinaryObjectException {
            a = reader.readInt("a");
            BinaryRawReader raw = reader.rawReader();
            text = raw.readString();
            number = raw.readLong();
        }
    }

    /** A Java enum (written as an enum, type code 28). */
    public enum Shade {
        LIGHT, DARK
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Interop <port> dump|write|get <cache> [args]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String cmd = args[1];
        String cacheName = args[2];
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        // Compact footers, as the server uses by default: said explicitly because thin clients before
        // 2.10 wrote full footers unless configured otherwise.
        ClientConfiguration cfg = new ClientConfiguration().setAddresses("127.0.0.1:" + port)
            .setBinaryConfiguration(new BinaryConfiguration().setCompactFooter(true));
        if (cmd.equals("write-full")) {
            // objects with full footers (field ids next to the offsets) instead of compact ones
            cfg.setBinaryConfiguration(new BinaryConfiguration().setCompactFooter(false));
            // Since 2.14 a thin client takes the server's binary configuration (compact footers) unless
            // told not to; older clients have no such setting, so it is looked up reflectively to keep
            // this program compiling against every release the compatibility matrix runs.
            try {
                ClientConfiguration.class.getMethod("setAutoBinaryConfigurationEnabled", boolean.class)
                    .invoke(cfg, false);
            }
            catch (NoSuchMethodException ignored) {
                // an older release: the explicit binary configuration above is all there is
            }
            cmd = "write";
        }
        try (IgniteClient client = Ignition.startClient(cfg)) {
            ClientCache<Object, Object> cache = client.getOrCreateCache(cacheName).withKeepBinary();
            switch (cmd) {
                case "dump":
                    dump(cache, out);
                    break;
                case "hex":
                    hex(cache, out);
                    break;
                case "write":
                    out.println("{\"written\": " + write(client, cache) + "}");
                    break;
                case "raw":
                    // deserialize a Raw object into the Java class (not as a binary object)
                    Object r = client.cache(cacheName).get(Integer.valueOf(args[3]));
                    if (r instanceof Raw) {
                        Raw raw = (Raw)r;
                        out.println("{\"a\": " + raw.a + ", \"text\": " + str(raw.text) + ", \"number\": "
                            + raw.number + "}");
                    }
                    else
                        out.println("{\"error\": " + str(String.valueOf(r)) + "}");
                    break;
                case "get":
                    BinaryObjectBuilder kb = client.binary().builder(args[3]);
                    for (int i = 4; i < args.length; i++) {
                        String[] nv = args[i].split("=", 2);
                        String[] kv = nv[1].split(":", 2);
                        kb.setField(nv[0], parseSimple(kv[0], kv[1]));
                    }
                    Object v = cache.get(kb.build());
                    out.println("{\"value\": " + json(v) + "}");
                    break;
                default:
                    System.err.println("unknown command " + cmd);
                    System.exit(2);
            }
        }
    }

    private static Object parseSimple(String kind, String text) {
        switch (kind) {
            case "int": return Integer.valueOf(text);
            case "long": return Long.valueOf(text);
            case "string": return text;
            case "uuid": return UUID.fromString(text);
            default: throw new IllegalArgumentException("unknown kind " + kind);
        }
    }

    private static void dump(ClientCache<Object, Object> cache, PrintStream out) {
        int n = 0;
        for (Cache.Entry<Object, Object> e : cache.query(new ScanQuery<Object, Object>()).getAll()) {
            out.println("{\"key\": " + json(e.getKey()) + ", \"value\": " + json(e.getValue()) + "}");
            n++;
        }
        out.println("{\"done\": " + n + "}");
    }

    private static void hex(ClientCache<Object, Object> cache, PrintStream out) {
        int n = 0;
        for (Cache.Entry<Object, Object> e : cache.query(new ScanQuery<Object, Object>()).getAll()) {
            Object v = e.getValue();
            byte[] arr = v instanceof BinaryObject ? backingArray(v) : null;
            if (arr == null)
                continue;
            int start = (Integer)call(v, "start");
            int length = (Integer)call(v, "length");
            StringBuilder sb = new StringBuilder();
            for (int i = start; i < start + length; i++)
                sb.append(String.format("%02x", arr[i] & 0xff));
            out.println("{\"key\": " + json(e.getKey()) + ", \"hex\": \"" + sb + "\"}");
            n++;
        }
        out.println("{\"done\": " + n + "}");
    }

    /**
     * The byte array a binary object reads from (its bytes are {@code start() .. start() + length()}), or
     * null. Ignite's internal accessor is {@code array()} up to 2.17 and {@code bytes()} since 2.18: both
     * are found by name, so this compiles and runs against either.
     */
    private static byte[] backingArray(Object o) {
        for (String name : new String[] {"array", "bytes"}) {
            Object r = call(o, name);
            if (r instanceof byte[])
                return (byte[])r;
        }
        return null;
    }

    private static Object call(Object o, String method) {
        try {
            java.lang.reflect.Method m = o.getClass().getMethod(method);
            m.setAccessible(true);
            return m.invoke(o);
        }
        catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    // --- the scenario ---------------------------------------------------------------------------

    private static int write(IgniteClient client, ClientCache<Object, Object> cache) {
        Map<String, Integer> colors = new LinkedHashMap<>();
        colors.put("RED", 0);
        colors.put("GREEN", 1);
        colors.put("BLUE", 7);
        client.binary().registerEnum("InteropColor", colors);

        BinaryObjectBuilder address = client.binary().builder("InteropAddress");
        address.setField("street", "Main St. 1");
        address.setField("zip", 12345);

        BinaryObjectBuilder b = client.binary().builder("InteropAll");
        b.setField("b", (byte)-7);
        b.setField("s", (short)-300);
        b.setField("i", 123456789);
        b.setField("l", -1234567890123L);
        b.setField("f", 1.5f);
        b.setField("d", Math.PI);
        b.setField("c", '\u044f');
        b.setField("z", true);
        b.setField("str", "Ünïcödé \uD83D\uDE00 text");
        b.setField("uuid", UUID.fromString("12345678-9abc-def0-1234-56789abcdef0"));
        b.setField("date", new Date(1234567890123L));
        Timestamp ts = new Timestamp(1234567890123L);
        ts.setNanos(123456789);
        b.setField("ts", ts);
        b.setField("time", new Time(45296789L));
        b.setField("dec", new BigDecimal("-12345.678900"));
        b.setField("bigdec", new BigDecimal(new BigInteger("123456789012345678901234567890"), -3));
        b.setField("ba", new byte[] {1, -2, 127, -128});
        b.setField("sa", new short[] {1, -2, 32767});
        b.setField("ia", new int[] {1, -2, Integer.MAX_VALUE});
        b.setField("la", new long[] {1, -2, Long.MIN_VALUE});
        b.setField("fa", new float[] {1.25f, -0.0f, Float.NaN});
        b.setField("da", new double[] {1e300, Double.NEGATIVE_INFINITY});
        b.setField("ca", new char[] {'a', '\u044f'});
        b.setField("za", new boolean[] {true, false, true});
        b.setField("stra", new String[] {"x", null, "\u00e9"});
        b.setField("uuida", new UUID[] {UUID.fromString("00000000-0000-0001-0000-000000000002")});
        b.setField("datea", new Date[] {new Date(0L), new Date(-86400000L)});
        b.setField("tsa", new Timestamp[] {ts});
        b.setField("deca", new BigDecimal[] {new BigDecimal("1.50"), BigDecimal.ZERO});
        b.setField("objs", new Object[] {1, "two", 3.0, null});
        List<Object> list = new ArrayList<>();
        list.add(1);
        list.add("x");
        list.add(address);
        b.setField("list", list);
        LinkedList<Object> linked = new LinkedList<>();
        linked.add(2L);
        linked.add(3L);
        b.setField("linked", linked);
        HashSet<Object> set = new HashSet<>();
        set.add("a");
        set.add("b");
        b.setField("set", set);
        LinkedHashSet<Object> lhs = new LinkedHashSet<>();
        lhs.add(5);
        lhs.add(4);
        b.setField("lhs", lhs);
        HashMap<Object, Object> map = new HashMap<>();
        map.put("one", 1);
        map.put("two", 2);
        b.setField("map", map);
        LinkedHashMap<Object, Object> lmap = new LinkedHashMap<>();
        lmap.put(10, "ten");
        lmap.put(9, address);
        b.setField("lmap", lmap);
        b.setField("color", client.binary().buildEnum("InteropColor", "BLUE"));
        b.setField("address", address);
        b.setField("address2", address); // the same builder again: written as a handle
        b.setField("nothing", null, String.class);
        cache.put(1, b.build());

        BinaryObjectBuilder empty = client.binary().builder("InteropEmpty");
        cache.put(2, empty.build());

        Node root = new Node("root");
        Node child = new Node("child");
        root.next = child;
        child.next = root; // a cycle through two objects
        root.children.add(child);
        root.children.add(root); // a self reference from inside a collection
        root.weights = new int[] {3, 1};
        root.shade = Shade.DARK;
        child.shade = Shade.LIGHT;
        ClientCache<Object, Object> plain = client.cache(cache.getName());
        plain.put(3, root);

        BinaryObjectBuilder key = client.binary().builder("InteropKey");
        key.setField("id", 7);
        key.setField("code", "abc");
        cache.put(key.build(), "found by Python");

        BinaryObjectBuilder big = client.binary().builder("InteropBig");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 70000; i++)
            sb.append((char)('a' + i % 26));
        big.setField("head", 1);
        big.setField("blob", sb.toString());
        big.setField("tail", 2);
        cache.put(4, big.build());

        BinaryObjectBuilder mid = client.binary().builder("InteropMid");
        mid.setField("head", 1);
        mid.setField("blob", sb.substring(0, 300));
        mid.setField("tail", 2);
        cache.put(5, mid.build());

        Raw raw = new Raw();
        raw.a = 42;
        raw.text = "raw \u00e9 text";
        raw.number = -9876543210L;
        plain.put(6, raw);
        return 7;
    }

    // --- JSON -----------------------------------------------------------------------------------

    private static String json(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, new IdentityHashMap<>(), new HashSet<>());
        return sb.toString();
    }

    private static void tagged(StringBuilder sb, String t, String v) {
        sb.append("{\"t\": \"").append(t).append("\", \"v\": ").append(v).append('}');
    }

    private static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\')
                sb.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e)
                sb.append(String.format("\\u%04x", (int)c));
            else
                sb.append(c);
        }
        return sb.append('"').toString();
    }

    private static int collectionKind(Object c) {
        Class<?> cls = c.getClass();
        if (cls == ArrayList.class) return 1;
        if (cls == LinkedList.class) return 2;
        if (cls == HashSet.class) return 3;
        if (cls == LinkedHashSet.class) return 4;
        return 0;
    }

    private static void write(StringBuilder sb, Object v, IdentityHashMap<Object, Object> path, HashSet<String> objPath) {
        if (v == null) {
            sb.append("null");
            return;
        }
        if (v instanceof Byte) tagged(sb, "byte", v.toString());
        else if (v instanceof Short) tagged(sb, "short", v.toString());
        else if (v instanceof Integer) tagged(sb, "int", v.toString());
        else if (v instanceof Long) tagged(sb, "long", v.toString());
        else if (v instanceof Float) tagged(sb, "float", String.valueOf(Float.floatToRawIntBits((Float)v)));
        else if (v instanceof Double) tagged(sb, "double", String.valueOf(Double.doubleToRawLongBits((Double)v)));
        else if (v instanceof Character) tagged(sb, "char", String.valueOf((int)(Character)v));
        else if (v instanceof Boolean) tagged(sb, "bool", v.toString());
        else if (v instanceof String) tagged(sb, "string", str((String)v));
        else if (v instanceof UUID) tagged(sb, "uuid", str(v.toString()));
        else if (v instanceof Timestamp) {
            Timestamp t = (Timestamp)v;
            tagged(sb, "timestamp", "[" + t.getTime() + ", " + (t.getNanos() % 1000000) + "]");
        }
        else if (v instanceof Time) tagged(sb, "time", String.valueOf(((Time)v).getTime()));
        else if (v instanceof Date) tagged(sb, "date", String.valueOf(((Date)v).getTime()));
        else if (v instanceof BigDecimal) {
            BigDecimal d = (BigDecimal)v;
            sb.append("{\"t\": \"decimal\", \"v\": ").append(str(d.unscaledValue().toString()))
                .append(", \"scale\": ").append(d.scale()).append('}');
        }
        else if (v instanceof BinaryObject) writeBinary(sb, (BinaryObject)v, path, objPath);
        else if (v instanceof byte[]) tagged(sb, "byte[]", Arrays.toString((byte[])v));
        else if (v instanceof short[]) tagged(sb, "short[]", Arrays.toString((short[])v));
        else if (v instanceof int[]) tagged(sb, "int[]", Arrays.toString((int[])v));
        else if (v instanceof long[]) tagged(sb, "long[]", Arrays.toString((long[])v));
        else if (v instanceof float[]) {
            float[] a = (float[])v;
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < a.length; i++)
                s.append(i > 0 ? ", " : "").append(Float.floatToRawIntBits(a[i]));
            tagged(sb, "float[]", s.append(']').toString());
        }
        else if (v instanceof double[]) {
            double[] a = (double[])v;
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < a.length; i++)
                s.append(i > 0 ? ", " : "").append(Double.doubleToRawLongBits(a[i]));
            tagged(sb, "double[]", s.append(']').toString());
        }
        else if (v instanceof char[]) {
            char[] a = (char[])v;
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < a.length; i++)
                s.append(i > 0 ? ", " : "").append((int)a[i]);
            tagged(sb, "char[]", s.append(']').toString());
        }
        else if (v instanceof boolean[]) tagged(sb, "bool[]", Arrays.toString((boolean[])v));
        else if (v instanceof Object[]) {
            String t = v instanceof String[] ? "string[]" : v instanceof UUID[] ? "uuid[]"
                : v instanceof Timestamp[] ? "timestamp[]" : v instanceof Time[] ? "time[]"
                : v instanceof Date[] ? "date[]" : v instanceof BigDecimal[] ? "decimal[]" : "object[]";
            sb.append("{\"t\": \"").append(t).append("\", \"v\": [");
            Object[] a = (Object[])v;
            for (int i = 0; i < a.length; i++) {
                if (i > 0) sb.append(", ");
                write(sb, a[i], path, objPath);
            }
            sb.append("]}");
        }
        else if (v instanceof Collection) {
            if (path.containsKey(v)) {
                sb.append("{\"t\": \"ref\"}");
                return;
            }
            path.put(v, v);
            sb.append("{\"t\": \"collection\", \"kind\": ").append(collectionKind(v)).append(", \"v\": [");
            boolean first = true;
            for (Object e : (Collection<?>)v) {
                if (!first) sb.append(", ");
                first = false;
                write(sb, e, path, objPath);
            }
            sb.append("]}");
            path.remove(v);
        }
        else if (v instanceof Map) {
            path.put(v, v);
            sb.append("{\"t\": \"map\", \"kind\": ").append(v instanceof LinkedHashMap ? 2 : 1).append(", \"v\": [");
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>)v).entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                sb.append('[');
                write(sb, e.getKey(), path, objPath);
                sb.append(", ");
                write(sb, e.getValue(), path, objPath);
                sb.append(']');
            }
            sb.append("]}");
            path.remove(v);
        }
        else
            sb.append("{\"t\": \"unknown\", \"class\": ").append(str(v.getClass().getName())).append('}');
    }

    private static void writeBinary(StringBuilder sb, BinaryObject o, IdentityHashMap<Object, Object> path,
        HashSet<String> objPath) {
        BinaryType type = o.type();
        if (type.isEnum()) {
            sb.append("{\"t\": \"enum\", \"type\": ").append(str(type.typeName()))
                .append(", \"ordinal\": ").append(o.enumOrdinal())
                .append(", \"name\": ").append(str(o.enumName())).append('}');
            return;
        }
        // nested objects read through fields are new Java objects each time: identify them by place
        byte[] arr = backingArray(o);
        String place = arr != null
            ? System.identityHashCode(arr) + ":" + call(o, "start")
            : String.valueOf(System.identityHashCode(o));
        if (objPath.contains(place)) {
            sb.append("{\"t\": \"ref\"}");
            return;
        }
        objPath.add(place);
        sb.append("{\"t\": \"object\", \"type\": ").append(str(type.typeName())).append(", \"fields\": {");
        boolean first = true;
        for (String f : type.fieldNames()) {
            if (!o.hasField(f))
                continue;
            if (!first) sb.append(", ");
            first = false;
            sb.append(str(f)).append(": ");
            write(sb, o.field(f), path, objPath);
        }
        sb.append("}}");
        objPath.remove(place);
    }

    static {
        // keep the charset class loaded for the UTF-8 PrintStream
        StandardCharsets.UTF_8.name();
    }
}
