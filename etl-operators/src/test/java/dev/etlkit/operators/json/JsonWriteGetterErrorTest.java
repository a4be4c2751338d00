package dev.etlkit.operators.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Edges of {@code Json.write} with a getter that throws, from two reviews on 2026-11-24. As
 * everywhere in etlkit (docs/concepts.md), an {@link java.lang.Error} is no bad record: it fails
 * the task, unwrapped, whatever the error policy; an {@code Exception} a getter throws becomes a
 * dead letter, and so does a {@code StackOverflowError}, which Jackson reports as it reports a
 * cycle in the data (the first review's fix rethrew it; the second found that this failed the task
 * on cyclic data).
 */
class JsonWriteGetterErrorTest {

  static final AssertionError BROKEN = new AssertionError("invariant broken");
  static final StackOverflowError OVERFLOW = new StackOverflowError();

  /** A record whose own getter fails with an {@code AssertionError}. */
  public static class Asserting {
    public String id = "a-1";

    public String getChecked() {
      throw BROKEN;
    }
  }

  /** A nested object whose getter overflows the stack. */
  public static class Overflowing {
    public String getDepth() {
      throw OVERFLOW;
    }
  }

  /** A record holding an object that overflows the stack when written. */
  public static class HoldsOverflowing {
    public String id = "h-1";
    public Overflowing inner = new Overflowing();
  }

  /** A record holding an object whose getter throws an exception. */
  public static class HoldsExploding {
    public String id = "h-2";
    public JsonWriteTest.Exploding inner = new JsonWriteTest.Exploding();
  }

  private static <T> Throwable failure(T record, Class<T> type, ErrorPolicy policy)
      throws Exception {
    try (OneInputStreamOperatorTestHarness<T, byte[]> h =
        JsonTestSupport.harness(
            Json.write("write", type).newFunction(JsonTestSupport.errors(policy)))) {
      h.open();
      Throwable thrown = catchThrowable(() -> h.processElement(record, 5L));
      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(JsonTestSupport.deadLetters(h)).isEmpty();
      assertThat(JsonTestSupport.counts(h).deadLettered()).isZero();
      return thrown;
    }
  }

  @Test
  void write_topLevelGetterThrowingAnError_failsTheTaskWithThatError() throws Exception {
    assertThat(failure(new Asserting(), Asserting.class, ErrorPolicy.deadLetter()))
        .isSameAs(BROKEN);
  }

  @Test
  void write_nestedGetterThrowingStackOverflowError_isAWriteFailedDeadLetter() throws Exception {
    // Jackson reports it as it reports a cycle in the data ("Infinite recursion"): a bad record
    // (a second review found that rethrowing it failed the task on cyclic data)
    try (OneInputStreamOperatorTestHarness<HoldsOverflowing, byte[]> h =
        JsonTestSupport.harness(
            Json.write("write", HoldsOverflowing.class)
                .newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())))) {
      h.open();
      h.processElement(new HoldsOverflowing(), 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(JsonTestSupport.deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "WRITE_FAILED: cannot write HoldsOverflowing as JSON (java.lang.StackOverflowError)"
                  + " at $.inner");
      assertThat(JsonTestSupport.counts(h).deadLettered()).isOne();
    }
  }

  @Test
  void write_errorWithFailJobPolicy_isNotWrappedInAnEtlException() throws Exception {
    assertThat(failure(new Asserting(), Asserting.class, ErrorPolicy.failJob())).isSameAs(BROKEN);
  }

  @Test
  void write_nestedGetterThrowingAnException_isStillADeadLetter() throws Exception {
    try (OneInputStreamOperatorTestHarness<HoldsExploding, byte[]> h =
        JsonTestSupport.harness(
            Json.write("write", HoldsExploding.class)
                .newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())))) {
      h.open();
      h.processElement(new HoldsExploding(), 5L);

      assertThat(h.extractOutputValues()).isEmpty();
      assertThat(JsonTestSupport.deadLetters(h))
          .singleElement()
          .extracting(DeadLetter::errorMessage)
          .isEqualTo(
              "WRITE_FAILED: cannot write HoldsExploding as JSON"
                  + " (java.lang.IllegalStateException) at $.inner.secret");
      assertThat(JsonTestSupport.counts(h).deadLettered()).isEqualTo(1);
      assertThat(JsonTestSupport.counts(h).isBalanced()).isTrue();
    }
  }
}
