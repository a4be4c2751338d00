package dev.etlkit.archfixture.internal;

import org.apache.flink.annotation.Internal;

/** A correctly marked internal type that API types must not mention in signatures. */
@Internal
public final class Hidden extends Exception {
  private static final long serialVersionUID = 1L;
}
