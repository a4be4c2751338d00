package dev.etlkit.operators.internal;

import java.lang.management.ManagementFactory;

/** The heap this thread allocated so far (HotSpot's count), to bound what a call allocates. */
public final class Allocations {

  private Allocations() {}

  /** The bytes the current thread allocated since it started. */
  public static long ofCurrentThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }
}
