package dev.etlkit.operators.avro.internal;

import static dev.etlkit.operators.avro.AvroFixtures.EVERYTHING;
import static dev.etlkit.operators.avro.AvroFixtures.everything;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.avro.generated.Payment;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Logical types come out typed and survive a round trip, generic and specific. */
class LogicalTypesTest {

  static Payment payment() {
    return Payment.newBuilder()
        .setId(UUID.fromString("0f8fad5b-d9cb-469f-a165-70867728950e"))
        .setAmount(new BigDecimal("1234567890.12"))
        .setBookedOn(LocalDate.of(1969, 7, 20))
        .setCreatedAt(Instant.parse("2024-05-01T10:15:30.123Z"))
        .setSettledAt(Instant.parse("2024-05-02T00:00:00.000001Z"))
        .setPayer("ada")
        .setTags(List.of("a", "b"))
        .build();
  }

  private static <T extends org.apache.avro.generic.IndexedRecord> T roundTrip(
      RecordModel<T> model, T record) throws Exception {
    byte[] bytes = new AvroRecordEncoder<>(model, null).encode(record);
    return new AvroRecordDecoder<>(model, null, null, 1000).decode(bytes);
  }

  @Test
  void genericRoundTrip_logicalTypes_comeBackTypedAndEqual() throws Exception {
    GenericRecord original = everything("x", 5);

    GenericRecord decoded = roundTrip(RecordModel.generic(EVERYTHING), original);

    assertThat(decoded).isEqualTo(original);
    assertThat(decoded.get("price")).isEqualTo(new BigDecimal("12345.6789"));
    assertThat(decoded.get("discount")).isEqualTo(new BigDecimal("0.15"));
    assertThat(decoded.get("day")).isEqualTo(LocalDate.of(2024, 2, 29));
    assertThat(decoded.get("clock")).isEqualTo(LocalTime.of(23, 59, 58, 123_000_000));
    assertThat(decoded.get("createdMillis")).isEqualTo(Instant.parse("2024-05-01T10:15:30.123Z"));
    assertThat(decoded.get("createdMicros"))
        .isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
    assertThat(decoded.get("localMicros"))
        .isEqualTo(LocalDateTime.of(2024, 5, 1, 10, 15, 30, 123_456_000));
    assertThat(decoded.get("uid")).isInstanceOf(UUID.class);
    assertThat(decoded.get("label")).isInstanceOf(String.class);
    assertThat(decoded.get("blob")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertThat(((java.util.Map<?, ?>) decoded.get("attributes")).keySet().iterator().next())
        .isInstanceOf(String.class);
  }

  @Test
  void genericRecordEquality_decimalInsideAUnion_doesNotThrow() throws Exception {
    // Avro's own GenericData.Record.equals throws here (GenericData.get() has no conversions).
    GenericRecord a = everything("x", 5);
    GenericRecord b = everything("x", 5);

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    b.put("discount", new BigDecimal("0.16"));
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void specificRoundTrip_logicalTypes_comeBackTypedAndEqual() throws Exception {
    Payment decoded = roundTrip(RecordModel.specific(Payment.class), payment());

    assertThat(decoded).isEqualTo(payment());
    assertThat(decoded.getAmount()).isEqualTo(new BigDecimal("1234567890.12"));
    assertThat(decoded.getSettledAt()).isEqualTo(Instant.parse("2024-05-02T00:00:00.000001Z"));
  }

  @Test
  void genericBytesOfThePaymentSchema_decodeIntoTheSpecificClass() throws Exception {
    RecordModel<GenericRecord> generic = RecordModel.generic(Payment.getClassSchema());
    GenericRecord asGeneric = new AvroData.Record(Payment.getClassSchema());
    Payment p = payment();
    for (int i = 0; i < 7; i++) {
      asGeneric.put(i, p.get(i));
    }
    byte[] bytes = new AvroRecordEncoder<>(generic, null).encode(asGeneric);

    Payment decoded =
        new AvroRecordDecoder<>(RecordModel.specific(Payment.class), null, null, 100).decode(bytes);

    assertThat(decoded).isEqualTo(p);
  }
}
