package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.EtlException;
import java.nio.channels.ClosedByInterruptException;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Edges of interrupts in the lookup step found by a review on 2026-11-24, each failing before that
 * day's fixes. docs/concepts.md ("Dead letters and error policies"): an {@link
 * InterruptedException} from your function is never mistaken for a bad record: "the step restores
 * the interrupt flag and fails the record with an EtlException that carries the
 * InterruptedException as its cause ... and dead-letters nothing" (as Steps.map does). Before, the
 * lookup step dead-lettered a record whose combiner or key selector was interrupted, and the task
 * never saw the interrupt.
 */
class LookupInterruptTest {

  private static final String MESSAGE = "[orders/customer] interrupted while processing a record";

  private static final KeySelector<String, String> CUSTOMER_ID =
      order -> order.substring(order.indexOf(':') + 1);

  private static AsyncStepHarness<String, String> harness(
      KeySelector<String, String> key,
      FakeLookup lookup,
      LookupCombiner<String, String, String> combiner)
      throws Exception {
    return new AsyncStepHarness<>(
            Enrich.lookup("customer", key, lookup, combiner, Types.STRING)
                .withRetry(LookupRetry.none())
                .withCache(LookupCache.maxEntries(10)),
            StringSerializer.INSTANCE)
        .open();
  }

  @Test
  void combinerInterrupted_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> h =
        harness(
            CUSTOMER_ID,
            lookup,
            (order, customer, status) -> {
              throw new InterruptedException("cancelled while waiting");
            });
    try {
      assertInterrupted(h, () -> h.process("o1:c-1"));
    } finally {
      Thread.interrupted();
      h.release();
    }
  }

  @Test
  void combinerInterruptedOnACacheHit_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> h =
        harness(
            CUSTOMER_ID,
            lookup,
            (order, customer, status) -> {
              if (status == LookupStatus.HIT) {
                throw new InterruptedException("cancelled while waiting");
              }
              return order + "=" + customer;
            });
    try {
      h.process("o1:c-1");
      assertThat(h.outputs()).containsExactly("o1:c-1=Anna");

      assertInterrupted(
          h, () -> h.process("o2:c-1")); // answered from the cache, on the task thread
      assertThat(h.outputs()).containsExactly("o1:c-1=Anna");
    } finally {
      Thread.interrupted();
      h.release();
    }
  }

  @Test
  void keySelectorInterrupted_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    AsyncStepHarness<String, String> h =
        harness(
            order -> {
              throw new InterruptedException("cancelled while waiting");
            },
            FakeLookup.manual(),
            (order, customer, status) -> order);
    try {
      assertInterrupted(h, () -> h.process("o1:c-1"));
    } finally {
      Thread.interrupted();
      h.release();
    }
  }

  @Test
  void keySelectorInterruptWrapped_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    // What blocking code that may not throw an InterruptedException does: wrap it, clearing the
    // flag.
    AsyncStepHarness<String, String> h =
        harness(
            order -> {
              throw new IllegalStateException(
                  "lookup of the key failed", new InterruptedException("cancelled while waiting"));
            },
            FakeLookup.manual(),
            (order, customer, status) -> order);
    try {
      assertInterrupted(h, () -> h.process("o1:c-1"), IllegalStateException.class);
    } finally {
      Thread.interrupted();
      h.release();
    }
  }

  @Test
  void combinerFailingWithTheFlagSet_isNoDeadLetter_theTaskSeesTheInterrupt() throws Exception {
    // As an interrupted NIO channel leaves it: the flag set, a ClosedByInterruptException thrown.
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    AsyncStepHarness<String, String> h =
        harness(
            CUSTOMER_ID,
            lookup,
            (order, customer, status) -> {
              if (status == LookupStatus.HIT) {
                Thread.currentThread().interrupt();
                throw new ClosedByInterruptException();
              }
              return order + "=" + customer;
            });
    try {
      h.process("o1:c-1");
      assertInterrupted(
          h,
          () -> h.process("o2:c-1"),
          ClosedByInterruptException.class); // a cache hit, on the task thread
    } finally {
      Thread.interrupted();
      h.release();
    }
  }

  private static void assertInterrupted(
      AsyncStepHarness<String, String> h, ThrowingCallable run, Class<?> causeClass) {
    Throwable thrown = catchThrowable(run);
    boolean interrupted = Thread.interrupted(); // read and clear the flag before asserting

    assertThat(thrown).isInstanceOf(EtlException.class).hasMessage(MESSAGE);
    assertThat(thrown.getCause()).isInstanceOf(causeClass);
    assertThat(interrupted).as("interrupt flag restored").isTrue();
    assertThat(h.deadLetters()).as("dead letters").isEmpty();
  }

  private static void assertInterrupted(AsyncStepHarness<String, String> h, ThrowingCallable run) {
    Throwable thrown = catchThrowable(run);
    boolean interrupted = Thread.interrupted(); // read and clear the flag before asserting

    assertThat(thrown)
        .isInstanceOf(EtlException.class)
        .hasMessage(MESSAGE)
        .cause()
        .isInstanceOf(InterruptedException.class)
        .hasMessage("cancelled while waiting");
    assertThat(interrupted).as("interrupt flag restored").isTrue();
    assertThat(h.deadLetters()).as("dead letters").isEmpty();
  }
}
