package org.pyignite.harness;

import javax.cache.event.CacheEntryEvent;
import org.apache.ignite.cache.CacheEntryEventSerializableFilter;

/**
 * A continuous query remote filter for the tests and examples: passes the events of entries whose key
 * is an even whole number, drops all others. A thin client names it by class as the remote filter of
 * a continuous query; the server instantiates it and runs it on every node, before an event is sent.
 */
public class EvenKeysFilter implements CacheEntryEventSerializableFilter<Object, Object> {
    private static final long serialVersionUID = 1L;

    @Override public boolean evaluate(CacheEntryEvent<?, ?> evt) {
        Object key = evt.getKey();
        if (!(key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte))
            return false;
        return ((Number)key).longValue() % 2 == 0;
    }
}
