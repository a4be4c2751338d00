package dev.etlkit.operators.enrich.internal.async;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.annotation.Internal;

/**
 * Named daemon threads for the executors of the lookups ({@code <prefix>1}, {@code <prefix>2}, …),
 * so that a stuck query or request never keeps a TaskManager from exiting and a thread dump shows
 * whose thread it is.
 */
@Internal
public final class DaemonThreads implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  public DaemonThreads(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable runnable) {
    Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }
}
