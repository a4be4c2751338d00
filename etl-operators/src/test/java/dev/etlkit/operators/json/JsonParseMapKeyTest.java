package dev.etlkit.operators.json;

import static dev.etlkit.operators.json.JsonTestSupport.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.PayloadInput;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A map with {@code Integer} keys whose JSON object has two names for one key ({@code "7"} and
 * {@code "07"}): one counted dead letter, not a record with one entry quietly gone.
 */
class JsonParseMapKeyTest {

  /** Stock by warehouse number. */
  public static class Stock {
    public String sku;
    public Map<Integer, Long> byWarehouse;
  }

  @Test
  void twoNamesForOneIntegerKey_betweenValidNeighbours_isOneCountedDeadLetter() throws Exception {
    JsonParse<RawRecord, Stock> step =
        Json.parse("parse", Stock.class).withInput(PayloadInput.rawRecords());
    try (OneInputStreamOperatorTestHarness<RawRecord, Stock> h =
        JsonTestSupport.harness(
            step.newFunction(JsonTestSupport.errors(ErrorPolicy.deadLetter())))) {
      h.open();
      String bad = "{\"sku\":\"b\",\"byWarehouse\":{\"7\":5,\"07\":3}}";
      h.processElement(
          new RawRecord(null, utf8("{\"sku\":\"a\",\"byWarehouse\":{\"7\":5}}"), "s/0@1", 1L), 1L);
      h.processElement(new RawRecord(null, utf8(bad), "s/0@2", 2L), 2L);
      h.processElement(
          new RawRecord(null, utf8("{\"sku\":\"c\",\"byWarehouse\":{\"7\":3}}"), "s/0@3", 3L), 3L);

      assertThat(h.extractOutputValues()).extracting(s -> s.sku).containsExactly("a", "c");
      List<DeadLetter> letters = JsonTestSupport.deadLetters(h);
      assertThat(letters).hasSize(1);
      assertThat(letters.get(0).errorMessage())
          .isEqualTo(
              "INVALID_VALUE: duplicate map key (two names read as one Integer) at $.byWarehouse");
      assertThat(letters.get(0).sourcePosition()).isEqualTo("s/0@2");
      RecordAccounting.StepCounts counts = JsonTestSupport.counts(h);
      assertThat(counts.deadLettered()).isEqualTo(1);
      assertThat(counts.out()).isEqualTo(2);
      assertThat(counts.isBalanced()).isTrue();
    }
  }
}
