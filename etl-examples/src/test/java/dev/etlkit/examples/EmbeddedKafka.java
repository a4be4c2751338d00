package dev.etlkit.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.MetadataVersion;
import org.apache.kafka.server.common.TransactionVersion;

/**
 * A one-broker KRaft Kafka cluster in this JVM ({@code KafkaClusterTestKit}), set up for
 * transactions (the three replication settings a one-broker cluster needs, PLATFORM.md), with the
 * few client calls the end-to-end tests use.
 */
final class EmbeddedKafka implements AutoCloseable {

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  static EmbeddedKafka start() throws Exception {
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder(
                        // what a cluster created with Kafka 4.x runs: transactions version 2
                        BootstrapMetadata.fromVersions(
                            MetadataVersion.latestProduction(),
                            Map.of(
                                TransactionVersion.FEATURE_NAME,
                                TransactionVersion.TV_2.featureLevel()),
                            "etlkit tests"))
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            // Keep records of any age: the tests write event times of days ago as the records'
            // timestamps, and the default retention (7 days, by record timestamp) deletes such
            // records within minutes, before the tests read them back
            .setConfigProp("log.retention.ms", "-1")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new EmbeddedKafka(cluster);
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  /**
   * Appends the events with their keys and event times as Kafka timestamps, waits for every ack and
   * checks that the topic then holds them all (after what it held before).
   */
  void produce(String topic, List<ReferenceData.Event> events) throws Exception {
    if (events.isEmpty()) {
      return;
    }
    long before = endOffsets(topic, "read_uncommitted").values().stream().mapToLong(l -> l).sum();
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      for (ReferenceData.Event event : events) {
        acks.add(
            producer.send(
                new ProducerRecord<>(
                    topic,
                    null,
                    event.timestamp(),
                    event.key() == null ? null : event.key().getBytes(StandardCharsets.UTF_8),
                    event.line().getBytes(StandardCharsets.UTF_8))));
      }
      producer.flush();
      for (Future<RecordMetadata> ack : acks) {
        ack.get(); // a failed send fails the test here instead of leaving the topic short
      }
    }
    long held = endOffsets(topic, "read_uncommitted").values().stream().mapToLong(l -> l).sum();
    if (held != before + events.size()) {
      throw new IllegalStateException(
          topic + " holds " + held + " records after producing " + events.size() + " to " + before);
    }
  }

  /** Every committed record of a topic (a {@code read_committed} consumer), from the start. */
  List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
    return read(topic, "read_committed");
  }

  /** Every record of a topic a consumer with this isolation level sees, from the start. */
  List<ConsumerRecord<byte[], byte[]>> read(String topic, String isolationLevel) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!reached(consumer, end, Set.copyOf(partitions))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end in 60 s");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /**
   * The offsets a consumer group has committed, by "topic-partition" (a Flink Kafka source commits
   * its position when a checkpoint completes).
   */
  Map<String, Long> committedOffsets(String groupId) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      Map<String, Long> offsets = new java.util.TreeMap<>();
      admin
          .listConsumerGroupOffsets(groupId)
          .partitionsToOffsetAndMetadata()
          .get()
          .forEach(
              (partition, offset) -> {
                if (offset != null) {
                  offsets.put(partition.toString(), offset.offset());
                }
              });
      return offsets;
    }
  }

  /** The end offsets of a topic's partitions as a consumer with this isolation level sees them. */
  Map<TopicPartition, Long> endOffsets(String topic, String isolationLevel) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      return consumer.endOffsets(
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList());
    }
  }

  private static boolean reached(
      KafkaConsumer<byte[], byte[]> consumer,
      Map<TopicPartition, Long> end,
      Set<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      // read_committed: the position stops at the last stable offset, which is the end once every
      // transaction is decided (committed or aborted)
      if (consumer.position(partition) < end.get(partition)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
