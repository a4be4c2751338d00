package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import dev.etlkit.operators.json.Line;
import dev.etlkit.operators.json.Order;
import dev.etlkit.operators.json.Reading;
import dev.etlkit.operators.json.Shipment;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TRY-cast coercion inside binding: per step, per field, and what a failed cast becomes. */
class CoercionReaderTest {

  private static final JsonRecordReader<Reading> TRY_CAST =
      ReaderFixtures.of(Reading.class).coercion(Coercion.tryCast()).reader();

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    return catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
  }

  @Test
  void tryCast_stringsAndNumbersOfEveryTarget_areConverted() throws Exception {
    Reading r =
        TRY_CAST.read(
            utf8(
                "{\"sensor\":\"s\",\"count\":\" 42 \",\"total\":\"9000000000\",\"ratio\":\"0.5\","
                    + "\"price\":\"12.50\",\"ok\":\"yes\",\"label\":17.0,\"day\":\"2024-01-31\","
                    + "\"at\":\"2024-01-31 10:15:30\",\"ts\":\"2024-01-31T10:15:30+01:00\"}"));

    assertThat(r.count).isEqualTo(42);
    assertThat(r.total).isEqualTo(9_000_000_000L);
    assertThat(r.ratio).isEqualTo(0.5);
    assertThat(r.price).isEqualTo(new BigDecimal("12.50"));
    assertThat(r.ok).isTrue();
    assertThat(r.label).isEqualTo("17.0");
    assertThat(r.day).isEqualTo(LocalDate.of(2024, 1, 31));
    assertThat(r.at).isEqualTo(LocalDateTime.of(2024, 1, 31, 10, 15, 30));
    assertThat(r.ts).isEqualTo(Instant.parse("2024-01-31T09:15:30Z"));
  }

  @Test
  void tryCast_valuesOfTheRightType_passUnchanged() throws Exception {
    Reading r =
        TRY_CAST.read(
            utf8("{\"count\":5,\"total\":6,\"ratio\":1,\"price\":2.50,\"ok\":false,\"ts\":0}"));

    assertThat(r.count).isEqualTo(5);
    assertThat(r.total).isEqualTo(6L);
    assertThat(r.ratio).isEqualTo(1.0);
    assertThat(r.price).isEqualTo(new BigDecimal("2.50"));
    assertThat(r.ok).isFalse();
    assertThat(r.ts).isEqualTo(Instant.EPOCH);
  }

  @Test
  void tryCast_failedCastOfBoxedField_isNull() throws Exception {
    Reading r =
        TRY_CAST.read(
            utf8("{\"count\":1,\"total\":\"12abc\",\"price\":[1],\"label\":{\"a\":1},\"ok\":2}"));

    assertThat(r.total).isNull();
    assertThat(r.price).isNull();
    assertThat(r.label).isNull();
    assertThat(r.ok).isNull();
  }

  @Test
  void tryCast_nanAndInfinityAsJsonWriteWritesThem_areReadBack() throws Exception {
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"ratio\":\"NaN\"}")).ratio).isNaN();
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"ratio\":\"-Infinity\"}")).ratio)
        .isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"ratio\":\"1e400\"}")).ratio).isNull();
  }

  @Test
  void tryCast_decimalBeyondTheNumberLimitInPlainNotation_failsTheCast() throws Exception {
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"price\":\"1e999999999\"}")).price).isNull();
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"price\":1e999999999}")).price).isNull();
  }

  @Test
  void tryCast_lossyIntegers_fail() throws Exception {
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"total\":1.5}")).total).isNull();
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"total\":\"1.0\"}")).total).isEqualTo(1L);
    assertThat(TRY_CAST.read(utf8("{\"count\":1,\"total\":99999999999999999999}")).total).isNull();
  }

  @Test
  void tryCast_failedCastOfRequiredPrimitive_rejectsTheRecord() {
    assertThat(rejection(TRY_CAST, "{\"count\":\"many\"}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'count' of Reading is missing or null at $");
  }

  @Test
  void tryCast_duplicateKey_lastCastFails_rejectsTheRequiredPrimitive() {
    assertThat(rejection(TRY_CAST, "{\"count\":\"5\",\"count\":\"x\"}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'count' of Reading is missing or null at $");
    assertThat(rejection(TRY_CAST, "{\"count\":5,\"count\":null}").reason())
        .isEqualTo(Reason.MISSING_REQUIRED_FIELD);
  }

  @Test
  void tryCast_failedCastOfPrimitiveNotRequired_isItsJavaDefault() throws Exception {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class)
            .coercion(Coercion.tryCast())
            .primitivesRequired(false)
            .reader();

    assertThat(reader.read(utf8("{\"count\":\"many\"}")).count).isZero();
  }

  @Test
  void tryCast_jsonNull_isNeverAFailedCast() throws Exception {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class).coercion(Coercion.tryCast().orDeadLetter()).reader();

    assertThat(reader.read(utf8("{\"count\":1,\"price\":null}")).price).isNull();
  }

  @Test
  void fieldCoercion_orDeadLetter_rejectsWithThePath() {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class)
            .coercion(Coercion.tryCast())
            .fieldCoercion("price", Coercion.tryCast().orDeadLetter())
            .reader();

    JsonRecordException e = rejection(reader, "{\"count\":1,\"price\":\"SECRET\"}");

    assertThat(e.reason()).isEqualTo(Reason.COERCION_FAILED);
    assertThat(e).hasMessage("COERCION_FAILED: cannot cast a JSON string to BigDecimal at $.price");
  }

  @Test
  void fieldCoercion_orDefault_usesTheDefaultCastToTheField() throws Exception {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class)
            .fieldCoercion("total", Coercion.tryCast().orDefault(-1))
            .fieldCoercion("day", Coercion.tryCast().orDefault("1970-01-01"))
            .reader();

    Reading r = reader.read(utf8("{\"count\":1,\"total\":\"n/a\",\"day\":\"someday\"}"));

    assertThat(r.total).isEqualTo(-1L);
    assertThat(r.day).isEqualTo(LocalDate.EPOCH);
  }

  @Test
  void fieldCoercion_none_exemptsAFieldFromTheStepCoercion() {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class)
            .coercion(Coercion.tryCast())
            .fieldCoercion("label", Coercion.none())
            .reader();

    assertThat(rejection(reader, "{\"count\":1,\"label\":17}").reason())
        .isEqualTo(Reason.WRONG_TYPE);
  }

  @Test
  void fieldCoercion_onlyTheNamedField_isCoerced() {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class).fieldCoercion("total", Coercion.tryCast()).reader();

    assertThat(rejection(reader, "{\"count\":\"1\",\"total\":\"2\"}"))
        .hasMessage("WRONG_TYPE: expected int, got a JSON string at $.count");
  }

  @Test
  void stepCoercion_reachesNestedRecordsInLists() throws Exception {
    JsonRecordReader<Order> reader =
        ReaderFixtures.of(Order.class).coercion(Coercion.tryCast()).reader();

    Order o =
        reader.read(utf8("{\"customerNumber\":\"7\",\"lines\":[{\"sku\":1,\"quantity\":\"3\"}]}"));

    assertThat(o.customerNumber).isEqualTo(7L);
    assertThat(o.lines).containsExactly(new Line("1", 3, null));
  }

  @Test
  void stepCoercion_worksThroughRecordConstructors() throws Exception {
    JsonRecordReader<Shipment> reader =
        ReaderFixtures.of(Shipment.class).coercion(Coercion.tryCast()).reader();

    Shipment s =
        reader.read(
            utf8("{\"shipmentId\":9,\"pieces\":\"3\",\"weightKg\":\"1.5\",\"shippedAt\":null}"));

    assertThat(s).isEqualTo(new Shipment("9", 3, 1.5, null));
  }

  @Test
  void stepCoercionDefault_thatDoesNotFitAField_failsWhenTheReaderIsBuilt() {
    assertThatThrownBy(
            () ->
                ReaderFixtures.of(Reading.class).coercion(Coercion.tryCast().orDefault(0)).reader())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "coercion: default 0 (Integer) does not fit field 'day' of Reading (LocalDate);"
                + " give that field its own coercion");
  }

  @Test
  void stepCoercionDefault_fittingEveryField_isCastPerField() throws Exception {
    JsonRecordReader<Reading> reader =
        ReaderFixtures.of(Reading.class)
            .coercion(Coercion.tryCast().orDefault(0))
            .fieldCoercion("day", Coercion.tryCast())
            .fieldCoercion("at", Coercion.tryCast())
            .reader();

    Reading r =
        reader.read(
            utf8(
                "{\"count\":\"x\",\"total\":\"x\",\"ratio\":\"x\",\"price\":\"x\",\"ok\":\"x\","
                    + "\"label\":[],\"ts\":\"x\"}"));

    assertThat(r.count).isZero();
    assertThat(r.total).isZero();
    assertThat(r.ratio).isZero();
    assertThat(r.price).isEqualByComparingTo("0");
    assertThat(r.ok).isFalse();
    assertThat(r.label).isEqualTo("0");
    assertThat(r.ts).isEqualTo(Instant.EPOCH);
  }

  /** A base class whose field the top-level type and a nested type both inherit. */
  public static class Counted {
    public Integer qty;
  }

  /** Nested in {@link Basket}, with {@code qty} inherited from the same base. */
  public static class Item extends Counted {
    public String sku;
  }

  /** The top-level type. */
  public static class Basket extends Counted {
    public List<Item> items;
  }

  @Test
  void fieldCoercion_ofAnInheritedField_isNotAppliedToANestedObjectOfAnotherSubclass()
      throws Exception {
    JsonRecordReader<Basket> reader =
        ReaderFixtures.of(Basket.class).fieldCoercion("qty", Coercion.tryCast()).reader();

    Basket b = reader.read(utf8("{\"qty\":\"2\",\"items\":[{\"qty\":3}]}"));
    assertThat(b.qty).isEqualTo(2);
    assertThat(b.items.get(0).qty).isEqualTo(3);
    assertThatThrownBy(() -> reader.read(utf8("{\"qty\":2,\"items\":[{\"qty\":\"3\"}]}")))
        .hasMessageStartingWith("WRONG_TYPE")
        .hasMessageEndingWith("at $.items[0].qty");
  }

  @Test
  void fieldCoercion_ofAnInheritedField_leavesTheStepCoercionToANestedObjectOfAnotherSubclass()
      throws Exception {
    JsonRecordReader<Basket> reader =
        ReaderFixtures.of(Basket.class)
            .coercion(Coercion.tryCast())
            .fieldCoercion("qty", Coercion.tryCast().orDeadLetter())
            .reader();

    Basket b = reader.read(utf8("{\"qty\":\"2\",\"items\":[{\"qty\":\"x\"}]}"));
    assertThat(b.qty).isEqualTo(2);
    assertThat(b.items.get(0).qty).isNull(); // the step's coercion: a failed cast is null
    assertThat(rejection(reader, "{\"qty\":\"x\",\"items\":[]}").reason())
        .isEqualTo(Reason.COERCION_FAILED);
  }

  @Test
  void fieldCoercionNone_ofAnInheritedField_exemptsTheTopLevelFieldOnly() throws Exception {
    JsonRecordReader<Basket> reader =
        ReaderFixtures.of(Basket.class)
            .coercion(Coercion.tryCast())
            .fieldCoercion("qty", Coercion.none())
            .reader();

    Basket b = reader.read(utf8("{\"qty\":2,\"items\":[{\"qty\":\"3\"}]}"));
    assertThat(b.items.get(0).qty).isEqualTo(3);
    assertThatThrownBy(() -> reader.read(utf8("{\"qty\":\"2\",\"items\":[]}")))
        .hasMessageStartingWith("WRONG_TYPE")
        .hasMessageEndingWith("at $.qty");
  }

  /** A type nested in itself. */
  public static class Node {
    public Integer qty;
    public List<Node> kids;
  }

  @Test
  void fieldCoercion_nestedObjectOfTheTopLevelTypeItself_followsTheTopLevelRules()
      throws Exception {
    JsonRecordReader<Node> reader =
        ReaderFixtures.of(Node.class)
            .required("qty")
            .fieldCoercion("qty", Coercion.tryCast())
            .reader();

    Node n = reader.read(utf8("{\"qty\":\"1\",\"kids\":[{\"qty\":\"2\"}]}"));
    assertThat(n.kids.get(0).qty).isEqualTo(2);
    assertThatThrownBy(() -> reader.read(utf8("{\"qty\":1,\"kids\":[{}]}")))
        .hasMessageStartingWith("MISSING_REQUIRED_FIELD")
        .hasMessageEndingWith("at $.kids[0]");
  }
}
