package dev.etlkit.core.internal;

import dev.etlkit.core.StateDeclaration;
import org.apache.flink.annotation.Internal;

/**
 * The timer service Flink's {@code KeyedProcessOperator} opens for every keyed process function,
 * whether the function sets timers or not. It is in every savepoint of such a step, so a step that
 * runs as one declares it in its state inventory.
 */
@Internal
public final class ProcessOperatorTimers {

  /** The service's name, Flink's: part of the savepoint layout. */
  public static final String NAME = "user-timers";

  private ProcessOperatorTimers() {}

  /** The declaration of the service of a step that sets no timers. */
  public static StateDeclaration unused() {
    return declaration(
        "processing and event time",
        "none: the timer service Flink's KeyedProcessOperator opens; the step sets no timers");
  }

  /** The declaration of the service, with the timers the step sets in {@code growth}. */
  public static StateDeclaration declaration(String timeDomain, String growth) {
    return StateDeclaration.of(NAME, StateDeclaration.Kind.TIMERS, timeDomain).withGrowth(growth);
  }
}
