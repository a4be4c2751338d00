package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.DeadLetter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest extends SerializerTestBase<DeadLetter> {

  static DeadLetter.Builder minimal() {
    return DeadLetter.builder()
        .pipeline("orders")
        .step("parse")
        .uid("orders/parse")
        .errorClass("com.fasterxml.jackson.core.JsonParseException");
  }

  static DeadLetter withBytes() {
    return minimal()
        .errorMessage("Unexpected character ('}')")
        .payload("{\"id\":1,}".getBytes(StandardCharsets.UTF_8))
        .eventTime(1_700_000_000_000L)
        .sourcePosition("orders/3@1234")
        .attempt(3)
        .rejectedAt(1_700_000_000_500L)
        .build();
  }

  static DeadLetter withText() {
    return minimal().payload("Grüße, 🌍").rejectedAt(5L).build();
  }

  static DeadLetter withTruncatedText() {
    return minimal().payload("abcdefgh", 4).build();
  }

  static DeadLetter withTruncatedBytes() {
    return minimal().payload(new byte[] {1, 2, 3, 4, 5}, 2).build();
  }

  /** Truncated upstream: flagged, but the payload this builder saw fits. */
  static DeadLetter flaggedTruncatedWithoutPayload() {
    return minimal().payloadTruncated(true).build();
  }

  @Override
  protected TypeSerializer<DeadLetter> createSerializer() {
    return DeadLetterSerializer.INSTANCE;
  }

  /** There is no empty dead letter; the serializer never reuses instances. */
  @Override
  protected boolean allowNullInstances(TypeSerializer<DeadLetter> serializer) {
    return true;
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<DeadLetter> getTypeClass() {
    return DeadLetter.class;
  }

  @Override
  protected DeadLetter[] getTestData() {
    return new DeadLetter[] {
      minimal().build(),
      withBytes(),
      withText(),
      withTruncatedText(),
      withTruncatedBytes(),
      flaggedTruncatedWithoutPayload(),
      minimal().payload(new byte[0]).errorMessage("").build(),
    };
  }

  @Test
  void roundTrip_withAllFields_restoresEqualDeadLetter() throws IOException {
    DeadLetter letter = withBytes();

    DeadLetter back = roundTrip(letter);

    assertThat(back).isEqualTo(letter);
    assertThat(back.payloadBytes()).isEqualTo(letter.payloadBytes());
    assertThat(back.errorMessage()).isEqualTo("Unexpected character ('}')");
    assertThat(back.sourcePosition()).isEqualTo("orders/3@1234");
    assertThat(back.attempt()).isEqualTo(3);
  }

  @Test
  void roundTrip_withTruncatedText_keepsCutTextAndFlag() throws IOException {
    DeadLetter back = roundTrip(withTruncatedText());

    assertThat(back.payloadText()).isEqualTo("abcd");
    assertThat(back.payloadBytes()).isNull();
    assertThat(back.payloadTruncated()).isTrue();
  }

  @Test
  void roundTrip_withTruncatedBytes_keepsCutBytesAndFlag() throws IOException {
    DeadLetter back = roundTrip(withTruncatedBytes());

    assertThat(back.payloadBytes()).containsExactly(1, 2);
    assertThat(back.payloadTruncated()).isTrue();
  }

  @Test
  void roundTrip_withNullsOnly_keepsNulls() throws IOException {
    DeadLetter back = roundTrip(minimal().build());

    assertThat(back.errorMessage()).isNull();
    assertThat(back.payloadBytes()).isNull();
    assertThat(back.payloadText()).isNull();
    assertThat(back.payloadTruncated()).isFalse();
    assertThat(back.eventTime()).isNull();
    assertThat(back.sourcePosition()).isNull();
  }

  @Test
  void roundTrip_ofLongText_isNotCutAgain() throws IOException {
    String longText = "x".repeat(DeadLetter.DEFAULT_MAX_PAYLOAD_BYTES);
    DeadLetter letter = minimal().payload(longText).build();

    assertThat(roundTrip(letter).payloadText()).hasSize(DeadLetter.DEFAULT_MAX_PAYLOAD_BYTES);
  }

  @Test
  void roundTrip_ofCutErrorMessage_isNotCutAgain() throws IOException {
    // A CJK character is 3 UTF-8 bytes: the cut keeps 8190 of the 8192 bytes, then " [cut]".
    String huge = "数".repeat(DeadLetter.MAX_ERROR_MESSAGE_BYTES);
    DeadLetter letter = minimal().errorMessage(huge).build();

    DeadLetter back = roundTrip(roundTrip(letter));

    assertThat(back.errorMessage()).isEqualTo(letter.errorMessage()).endsWith("数 [cut]");
    assertThat(back).isEqualTo(letter);
  }

  @Test
  void snapshot_writtenAndRead_restoresSingletonCompatibleAsIs() throws IOException {
    TypeSerializerSnapshot<DeadLetter> restored =
        ChangeSerializerTest.writeAndRead(DeadLetterSerializer.INSTANCE);

    assertThat(restored).isInstanceOf(DeadLetterSerializer.DeadLetterSerializerSnapshot.class);
    assertThat(restored.restoreSerializer()).isSameAs(DeadLetterSerializer.INSTANCE);
    assertThat(
            DeadLetterSerializer.INSTANCE
                .snapshotConfiguration()
                .resolveSchemaCompatibility(restored)
                .isCompatibleAsIs())
        .isTrue();
  }

  @Test
  void deserialize_unknownFormat_fails() {
    byte[] fromTheFuture = {2, 0};

    assertThatThrownBy(
            () ->
                DeadLetterSerializer.INSTANCE.deserialize(new DataInputDeserializer(fromTheFuture)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format 2, this etlkit reads format 1");
  }

  private static DeadLetter roundTrip(DeadLetter letter) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(256);
    DeadLetterSerializer.INSTANCE.serialize(letter, out);
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    DeadLetter back = DeadLetterSerializer.INSTANCE.deserialize(in);
    assertThat(in.available()).isZero();
    return back;
  }
}
