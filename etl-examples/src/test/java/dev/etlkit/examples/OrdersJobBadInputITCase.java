package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.testkit.Soak;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bad input at scale: 10% invalid order lines mixed into the generated input. The job runs through
 * without a restart, each invalid line becomes exactly one dead letter of the parse step (with its
 * reason, its original bytes, and no payload in the message), the accounting balances, and every
 * table of valid output equals that of a run over the same input without the invalid lines.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OrdersJobBadInputITCase {

  /** Valid orders: enough for a few seconds per run by default, more under {@code -Psoak}. */
  private static final int ORDERS = Soak.count(20_000, 200_000);

  private static final double INVALID_SHARE = 0.10;

  /** A string value in a JSON line: an order id, a customer id, {@code "ten"}, a time. */
  private static final Pattern JSON_STRING_VALUE = Pattern.compile(":\\s*\"([^\"]+)\"");

  @Test
  void tenPercentInvalidLines_noRestart_oneDeadLetterEach_validOutputAsWithoutThem()
      throws Exception {
    ReferenceData data =
        ReferenceData.generate(ReferenceData.Spec.of(ORDERS).withInvalidShare(INVALID_SHARE));
    List<ReferenceData.Event> valid = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    for (ReferenceData.Event event : data.orders()) {
      if (isInvalid(event)) {
        invalid.add(event.line());
      } else {
        valid.add(event);
      }
    }
    assertThat(invalid).hasSize(data.invalidLines());
    assertThat((double) invalid.size() / data.orders().size())
        .isCloseTo(INVALID_SHARE, offset(0.001));
    // No restart: the job's restart strategy is none, so any failure would fail the run.
    assertThat(
            ReferenceRuns.environment(RuntimeExecutionMode.STREAMING, "rocksdb")
                .getConfiguration()
                .get(RestartStrategyOptions.RESTART_STRATEGY))
        .isEqualTo("none");

    OrdersRun mixed =
        ReferenceRuns.run(
            data.orders(),
            data.customerChanges(),
            ReferenceRuns.GENERATED_DISORDER,
            RuntimeExecutionMode.STREAMING,
            "rocksdb",
            "bad-input");
    OrdersRun reference =
        ReferenceRuns.run(
            valid,
            data.customerChanges(),
            ReferenceRuns.GENERATED_DISORDER,
            RuntimeExecutionMode.STREAMING,
            "rocksdb",
            "bad-input-reference");

    List<DeadLetter> parse = new ArrayList<>();
    for (DeadLetter letter : mixed.deadLetters()) {
      assertThat(letter.errorClass()).as("every dead letter has a reason").isNotBlank();
      if (letter.step().equals("parse")) {
        parse.add(letter);
      }
    }
    assertThat(parse)
        .extracting(DeadLetter::payloadText)
        .containsExactlyInAnyOrderElementsOf(invalid);
    assertThat(parse)
        .allSatisfy(
            letter -> {
              assertThat(letter.uid()).isEqualTo("orders/parse");
              assertThat(letter.errorClass()).isEqualTo(JsonRecordException.class.getName());
              assertThat(letter.errorMessage()).isNotBlank();
              assertThat(letter.payloadTruncated()).isFalse();
              assertNoPayloadIn(letter);
            });

    RecordAccounting accounting = mixed.accounting();
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    RecordAccounting.StepCounts parsed = accounting.step(OrdersJob.PIPELINE, "parse");
    assertThat(parsed.in()).isEqualTo(data.orders().size());
    assertThat(parsed.deadLettered()).isEqualTo(data.invalidLines());
    assertThat(parsed.out()).isEqualTo(valid.size());
    assertThat(accounting.step(OrdersJob.PIPELINE, "dedup").deduplicated())
        .isEqualTo(data.duplicateLines());

    assertThat(
            FinalTables.of(mixed)
                .withoutOrdersStep("parse")
                .differencesFrom(FinalTables.of(reference).withoutOrdersStep("parse")))
        .as("valid output vs the run without the invalid lines")
        .isEmpty();
    assertThat(reference.enrichedOrders()).hasSize(ORDERS);
  }

  /**
   * The generator's invalid lines carry the order id {@code o-bad-<n>}, valid ones {@code o-<n>}.
   */
  private static boolean isInvalid(ReferenceData.Event event) {
    return event.key().startsWith("o-bad-");
  }

  /** The message names what is wrong and where, never the line's content: none of its values. */
  private static void assertNoPayloadIn(DeadLetter letter) {
    String message = letter.errorMessage();
    String payload = letter.payloadText();
    assertThat(message).as(payload).doesNotContain(payload).doesNotContain("not json at all");
    Matcher values = JSON_STRING_VALUE.matcher(payload);
    while (values.find()) {
      assertThat(message).as(payload).doesNotContain(values.group(1));
    }
  }
}
