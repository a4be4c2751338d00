package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.StepIdentity;
import java.nio.charset.StandardCharsets;
import javax.annotation.Nullable;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The reference job's dead-letter records on Kafka (docs/running-on-a-cluster.md, {@code
 * --dead-letter-topic}): the payload as the value, whichever form the dead letter kept it in, and
 * the reason in headers.
 */
class KafkaIoTest {

  private static DeadLetter.Builder letter() {
    return DeadLetter.builder()
        .step(new StepIdentity("orders", "customer", "orders/customer"))
        .error(new IllegalStateException("LATE: the fact is older than the watermark"))
        .rejectedAt(1L);
  }

  private static ProducerRecord<byte[], byte[]> serialize(DeadLetter letter) {
    return new KafkaIo.DeadLetterSerializer("dead-letters").serialize(letter, null, 7L);
  }

  @Nullable
  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /**
   * Every step after the decoders (late facts of the point-in-time join, lookups, dedup, normalize,
   * SCD2) keeps the rejected record as text: it must not reach the topic as a null value (a
   * tombstone, its payload lost).
   */
  @Test
  void deadLetter_payloadKeptAsText_isTheValueAsUtf8() {
    DeadLetter letter = letter().payloadOf(new StringBuilder("EnrichedOrder[orderId=ö-1]")).build();
    assertThat(letter.payloadText()).isNotNull(); // a record other than byte[] is kept as text

    ProducerRecord<byte[], byte[]> record = serialize(letter);

    assertThat(record.value())
        .as("the dead letter's payload on the topic")
        .isEqualTo("EnrichedOrder[orderId=ö-1]".getBytes(StandardCharsets.UTF_8));
    assertThat(header(record, KafkaIo.PAYLOAD_ENCODING_HEADER)).isEqualTo("text");
  }

  @Test
  void deadLetter_payloadKeptAsBytes_isTheValueAsItCame() {
    byte[] input = {'{', (byte) 0xff, '}'}; // not even UTF-8: passed on untouched
    DeadLetter letter = letter().payloadOf(input).build();

    ProducerRecord<byte[], byte[]> record = serialize(letter);

    assertThat(record.value()).isEqualTo(input);
    assertThat(header(record, KafkaIo.PAYLOAD_ENCODING_HEADER)).isEqualTo("bytes");
  }

  @Test
  void deadLetter_withoutPayload_isANullValueWithoutEncoding() {
    // a Kafka tombstone the CDC decoder rejected: its original value was null
    ProducerRecord<byte[], byte[]> record = serialize(letter().payload((byte[]) null).build());

    assertThat(record.value()).isNull();
    assertThat(header(record, KafkaIo.PAYLOAD_ENCODING_HEADER)).isNull();
  }

  @Test
  void deadLetter_reasonAndOrigin_areHeadersKeyedByTheStepsUid() {
    DeadLetter letter =
        letter().payload("x").sourcePosition("orders-1@42").payloadTruncated(true).build();

    ProducerRecord<byte[], byte[]> record = serialize(letter);

    assertThat(record.topic()).isEqualTo("dead-letters");
    assertThat(record.timestamp()).isEqualTo(7L);
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("orders/customer");
    assertThat(header(record, KafkaIo.STEP_HEADER)).isEqualTo("orders/customer");
    assertThat(header(record, KafkaIo.ERROR_CLASS_HEADER))
        .isEqualTo(IllegalStateException.class.getName());
    assertThat(header(record, KafkaIo.ERROR_MESSAGE_HEADER))
        .isEqualTo("LATE: the fact is older than the watermark");
    assertThat(header(record, KafkaIo.SOURCE_HEADER)).isEqualTo("orders-1@42");
    assertThat(header(record, KafkaIo.TRUNCATED_HEADER)).isEqualTo("true");
  }

  /** docs/operations.md tells replay tools to raise attempt(): the topic must carry it. */
  @Test
  void deadLetter_attempt_isAHeader() {
    ProducerRecord<byte[], byte[]> record = serialize(letter().payload("x").attempt(3).build());

    assertThat(header(record, KafkaIo.ATTEMPT_HEADER)).isEqualTo("3");
  }
}
