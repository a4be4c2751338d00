package dev.etlkit.operators.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.PayloadInput;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the parse step (Jazzer). In the normal build it runs the committed
 * corpus under {@code JsonParseFuzzTestInputs/parse/} as regression tests, each input within the
 * {@code @Timeout}. For every input the step emits exactly one record or exactly one dead letter
 * (with the input's bytes and source), never throws and never hangs.
 *
 * <p>To fuzz (the {@code @Timeout} would otherwise apply to the whole session; without {@code
 * -Djazzer.hooks=true} Jazzer gets no coverage instrumentation and the corpus does not grow):
 *
 * <pre>
 * JAZZER_FUZZ=1 ./mvnw test -pl etl-operators -Dtest=JsonParseFuzzTest -Djazzer.hooks=true \
 *     -Djunit.jupiter.execution.timeout.mode=disabled
 * </pre>
 */
class JsonParseFuzzTest {

  private static OneInputStreamOperatorTestHarness<RawRecord, Order> harness;
  private static long records;

  /** One harness for all inputs: fuzzing runs millions of them. */
  private static OneInputStreamOperatorTestHarness<RawRecord, Order> harness() throws Exception {
    if (harness == null) {
      harness =
          JsonTestSupport.harness(
              Json.parse("parse", Order.class)
                  .withInput(PayloadInput.rawRecords())
                  .withReadLimits(
                      dev.etlkit.operators.JsonReadLimits.defaults().withMaxNestingDepth(32))
                  .newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())));
      harness.open();
    }
    return harness;
  }

  /**
   * Jazzer's sanitizer hooks retransform the JDK and cost about 40 s per JVM; the regression run
   * checks our own assertions and needs none. Must be set before Jazzer configures its agent, which
   * it does when it provides the first invocation of the first {@code @FuzzTest}.
   */
  @BeforeAll
  static void withoutSanitizerHooks() {
    if (System.getenv("JAZZER_FUZZ") == null) {
      System.setProperty("jazzer.hooks", "false");
    }
  }

  @AfterAll
  static void close() throws Exception {
    if (harness != null) {
      harness.close();
      harness = null;
    }
  }

  @FuzzTest(maxDuration = "2m")
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void parse(byte[] input) throws Exception {
    OneInputStreamOperatorTestHarness<RawRecord, Order> h = harness();
    String source = "fuzz/0@" + records;

    h.processElement(new RawRecord(null, input, source, null), records++);

    List<DeadLetter> letters = JsonTestSupport.deadLetters(h);
    assertThat(h.getOutput().size() + letters.size()).as("records out for one in").isEqualTo(1);
    if (!letters.isEmpty()) {
      DeadLetter letter = letters.get(0);
      assertThat(letter.errorClass()).isEqualTo(JsonRecordException.class.getName());
      assertThat(letter.sourcePosition()).isEqualTo(source);
      assertThat(letter.payloadBytes())
          .isEqualTo(
              Arrays.copyOf(input, Math.min(input.length, DeadLetter.DEFAULT_MAX_PAYLOAD_BYTES)));
      h.getSideOutput(DeadLetter.OUTPUT_TAG).clear();
    }
    h.getOutput().clear(); // keeps a long fuzzing run from piling up records
  }
}
