package dev.rivet.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Heap bytes allocated by the whole JVM (every thread, also the link's pool threads, which end
 * with each link and so cannot be asked one by one): the used heap now plus what every GC so far
 * has freed, from the collectors' notifications. Exact to a few TLABs; read it a moment after the
 * work, since the notifications arrive on a JVM thread of their own.
 */
final class AllocationMeter {
    private final AtomicLong freed = new AtomicLong();

    AllocationMeter() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof NotificationEmitter emitter)) {
                continue;
            }
            emitter.addNotificationListener((n, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                    return;
                }
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
                long before = 0;
                long after = 0;
                for (MemoryUsage u : info.getMemoryUsageBeforeGc().values()) {
                    before += u.getUsed();
                }
                for (MemoryUsage u : info.getMemoryUsageAfterGc().values()) {
                    after += u.getUsed();
                }
                freed.addAndGet(before - after);
            }, null, null);
        }
    }

    /** {@return the heap bytes allocated since the JVM started, as far as the GCs reported so far} */
    long allocated() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + freed.get();
    }

    /** {@return {@link #allocated()} after letting pending GC notifications arrive} */
    long allocatedSettled() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return allocated();
    }
}
