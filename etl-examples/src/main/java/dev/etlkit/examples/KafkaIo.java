package dev.etlkit.examples;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RawRecord;
import dev.etlkit.operators.json.Json;
import dev.etlkit.operators.json.JsonWrite;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The reference job's Kafka connectors: sources of {@link RawRecord}s (key, value, {@code
 * topic-partition@offset}, timestamp) and the sinks of enriched orders and dead letters. The
 * serializers only wrap bytes, so that nothing in a sink fails on one record: the enriched orders'
 * JSON is written in a step before, {@link #ENRICHED_ORDERS_JSON}, where a record too large for the
 * topic is a dead letter.
 */
public final class KafkaIo {

  /** Dead-letter header: the error class. */
  public static final String ERROR_CLASS_HEADER = "etlkit.error.class";

  /** Dead-letter header: the error message (never a payload). */
  public static final String ERROR_MESSAGE_HEADER = "etlkit.error.message";

  /**
   * Dead-letter header: where the record came from, when known: {@code topic-partition@offset} for
   * the decoders' dead letters, the change's position (an LSN) for later steps over changelogs;
   * absent for later steps over typed records.
   */
  public static final String SOURCE_HEADER = "etlkit.source";

  /** Dead-letter header: the uid of the step that rejected the record. */
  public static final String STEP_HEADER = "etlkit.step";

  /** Dead-letter header: "true" when the payload was cut at the dead-letter size limit. */
  public static final String TRUNCATED_HEADER = "etlkit.payload.truncated";

  /**
   * Dead-letter header: how often the record was tried ({@link DeadLetter#attempt()}), for a replay
   * tool to raise so that records that keep failing are parked instead of looping.
   */
  public static final String ATTEMPT_HEADER = "etlkit.attempt";

  /**
   * Dead-letter header: the form the value is in, {@code bytes} (the input as it came) or {@code
   * text} (the rejected record's text, UTF-8); absent when the dead letter has no payload.
   */
  public static final String PAYLOAD_ENCODING_HEADER = "etlkit.payload.encoding";

  /**
   * The sinks' {@code max.request.size}: the largest record, key, value, headers and Kafka's record
   * overhead together, a producer sends; larger ones fail the send with a {@code
   * RecordTooLargeException}. Kafka's default, set explicitly so that {@link
   * #ENRICHED_ORDER_MAX_BYTES} follows it. The topics and the broker must take as much ({@code
   * max.message.bytes}, {@code message.max.bytes}: 1,048,588 by default).
   */
  public static final int MAX_REQUEST_SIZE = 1_048_576;

  /**
   * The most bytes of an enriched order on the topic, its key (the order id) and its JSON together:
   * {@code MAX_REQUEST_SIZE - 1,024}, 1,047,552. The 1,024 bytes are room for the record overhead
   * Kafka counts in (under 100 bytes for one record in its batch) and to spare; the sink writes no
   * headers. An order written longer is a dead letter of the {@code json} step instead of failing
   * the sink.
   */
  public static final int ENRICHED_ORDER_MAX_BYTES = MAX_REQUEST_SIZE - 1_024;

  // tag::enriched-orders-json[]
  /**
   * The step writing enriched orders for their topic: the JSON as the value, the order id as the
   * key; an order longer than {@link #ENRICHED_ORDER_MAX_BYTES} is a dead letter.
   */
  public static final JsonWrite<EnrichedOrder, RawRecord> ENRICHED_ORDERS_JSON =
      Json.write("json", EnrichedOrder.class)
          .withMaxBytes(ENRICHED_ORDER_MAX_BYTES) // too large for the topic: a dead letter
          .asRawRecords(order -> order.orderId().getBytes(StandardCharsets.UTF_8));

  // end::enriched-orders-json[]

  private KafkaIo() {}

  /**
   * Reads a topic as raw records: from the group's committed offsets (the earliest without them),
   * or, when {@code bounded}, from the start to the topic's end as of the job's start. The source's
   * own offsets live in Flink's checkpoints; committing them to the group is only for monitoring
   * and for a start without a savepoint. The consumers' client ids are {@code
   * <groupId>-<topic>-<subtask>}, so that two sources of one group (the job's orders and customer
   * changes) keep apart in Kafka's metrics, quotas and logs.
   */
  public static KafkaSource<RawRecord> rawRecords(
      String bootstrapServers, String topic, String groupId, boolean bounded) {
    KafkaSourceBuilder<RawRecord> builder =
        KafkaSource.<RawRecord>builder()
            .setBootstrapServers(bootstrapServers)
            .setTopics(topic)
            .setGroupId(groupId)
            .setClientIdPrefix(groupId + "-" + topic) // default: the group, the same for both
            .setDeserializer(new RawRecordDeserializer())
            .setProperty("isolation.level", "read_committed");
    if (bounded) {
      // a backfill: the whole topic as of now, whatever the group committed before
      builder.setStartingOffsets(OffsetsInitializer.earliest());
      builder.setBounded(OffsetsInitializer.latest());
    } else {
      builder.setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST));
    }
    return builder.build();
  }

  /**
   * The sink of enriched orders as {@link #ENRICHED_ORDERS_JSON} writes them: JSON values keyed by
   * order id, in Kafka transactions committed on checkpoints when {@code guarantee} is {@code
   * EXACTLY_ONCE}.
   *
   * @param transactionalIdPrefix unique per job writing to the cluster, and stable across restarts
   */
  public static KafkaSink<RawRecord> enrichedOrders(
      String bootstrapServers,
      String topic,
      DeliveryGuarantee guarantee,
      String transactionalIdPrefix,
      Duration transactionTimeout) {
    return sink(
        bootstrapServers,
        guarantee,
        transactionalIdPrefix,
        transactionTimeout,
        new RawRecordSerializer(topic));
  }

  /**
   * The sink of dead letters, keyed by the rejecting step's uid: the payload as the value and the
   * reason in headers ({@value #STEP_HEADER}, {@value #ERROR_CLASS_HEADER}, {@value
   * #ERROR_MESSAGE_HEADER}, {@value #SOURCE_HEADER}, {@value #TRUNCATED_HEADER}, {@value
   * #ATTEMPT_HEADER}, {@value #PAYLOAD_ENCODING_HEADER}). A decoder's dead letter holds the input
   * record's value as it came ({@code bytes}), so a fixed record can be replayed to its topic;
   * later steps keep the rejected record's text ({@code text}, UTF-8), to be replayed from the
   * source by position or mapped back.
   */
  public static KafkaSink<DeadLetter> deadLetters(
      String bootstrapServers,
      String topic,
      DeliveryGuarantee guarantee,
      String transactionalIdPrefix,
      Duration transactionTimeout) {
    return sink(
        bootstrapServers,
        guarantee,
        transactionalIdPrefix,
        transactionTimeout,
        new DeadLetterSerializer(topic));
  }

  private static <T> KafkaSink<T> sink(
      String bootstrapServers,
      DeliveryGuarantee guarantee,
      String transactionalIdPrefix,
      Duration transactionTimeout,
      KafkaRecordSerializationSchema<T> serializer) {
    Properties producer = new Properties();
    producer.setProperty(
        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Long.toString(transactionTimeout.toMillis()));
    producer.setProperty(
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_REQUEST_SIZE));
    return KafkaSink.<T>builder()
        .setBootstrapServers(bootstrapServers)
        .setKafkaProducerConfig(producer)
        .setDeliveryGuarantee(guarantee)
        .setTransactionalIdPrefix(transactionalIdPrefix)
        .setRecordSerializer(serializer)
        .build();
  }

  /** Kafka records as {@link RawRecord}s: nothing can fail here, decoding comes later. */
  static final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
      out.collect(
          new RawRecord(
              record.key(),
              record.value(),
              record.topic() + "-" + record.partition() + "@" + record.offset(),
              record.timestamp() >= 0 ? record.timestamp() : null));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
      return RawRecord.TYPE_INFO;
    }
  }

  /**
   * Records whose key and value are already bytes, as they are: nothing can fail here, the JSON was
   * written (and a record too large for the topic rejected) by the pipeline's {@code json} step.
   */
  static final class RawRecordSerializer implements KafkaRecordSerializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    RawRecordSerializer(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        RawRecord record, KafkaSinkContext context, @Nullable Long timestamp) {
      return new ProducerRecord<>(
          topic, null, kafkaTimestamp(timestamp), record.key(), record.value());
    }
  }

  /**
   * The JSON form of enriched orders on the topic, as {@link #ENRICHED_ORDERS_JSON} writes it:
   * ISO-8601 times, plain decimals; for reading them back.
   */
  public static ObjectMapper jsonMapper() {
    return JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN) // 1000, not 1E+3
        .build();
  }

  /**
   * The record's timestamp as Kafka takes it: none for an event time before 1970 (an order dated
   * 0001-01-01 by its producer, say), which {@code ProducerRecord} refuses, as Flink's own Kafka
   * serialization schemas do; else the event time.
   */
  @Nullable
  static Long kafkaTimestamp(@Nullable Long timestamp) {
    return timestamp == null || timestamp < 0 ? null : timestamp;
  }

  /**
   * Dead letters: the payload as the value (bytes as they came, text as UTF-8, see {@link
   * #PAYLOAD_ENCODING_HEADER}), the reason in headers.
   */
  static final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    DeadLetterSerializer(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        DeadLetter letter, KafkaSinkContext context, @Nullable Long timestamp) {
      RecordHeaders headers = new RecordHeaders();
      header(headers, STEP_HEADER, letter.uid());
      header(headers, ERROR_CLASS_HEADER, letter.errorClass());
      header(headers, ERROR_MESSAGE_HEADER, letter.errorMessage());
      header(headers, SOURCE_HEADER, letter.sourcePosition());
      header(headers, TRUNCATED_HEADER, Boolean.toString(letter.payloadTruncated()));
      header(headers, ATTEMPT_HEADER, Integer.toString(letter.attempt()));
      byte[] payload = letter.payloadAsBytes(); // text payloads too: never a tombstone by mistake
      if (payload != null) {
        header(headers, PAYLOAD_ENCODING_HEADER, letter.payloadText() != null ? "text" : "bytes");
      }
      return new ProducerRecord<>(
          topic,
          null,
          kafkaTimestamp(timestamp),
          letter.uid().getBytes(StandardCharsets.UTF_8),
          payload,
          headers);
    }

    private static void header(RecordHeaders headers, String name, @Nullable String value) {
      if (value != null) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
      }
    }
  }
}
