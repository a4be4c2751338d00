package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import java.lang.reflect.Method;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceOptions;
import org.junit.jupiter.api.Test;

/** The reference job's Kafka sources ({@link KafkaIo#rawRecords}). */
class KafkaIoSourceTest {

  /**
   * Both sources of the job read with one consumer group, and Flink's Kafka source names each
   * consumer {@code <client.id.prefix>-<subtask>} (its prefix defaults to the group): the consumers
   * of subtask 0 of both sources, which share a slot, would have one client id, so their JMX
   * metrics (consumer lag by client id) and their broker-side quotas and logs mix, and the second
   * consumer logs an "Error registering AppInfo mbean" warning on every start.
   */
  @Test
  void rawRecords_twoTopicsReadByOneGroup_haveDistinctClientIds() throws Exception {
    String orders = clientIdPrefix(KafkaIo.rawRecords("broker:9092", "orders", "g", false));
    String changes = clientIdPrefix(KafkaIo.rawRecords("broker:9092", "customers-cdc", "g", false));

    assertThat(orders).isNotEqualTo(changes).startsWith("g-");
    assertThat(changes).startsWith("g-");
  }

  private static String clientIdPrefix(KafkaSource<RawRecord> source) throws Exception {
    Method configuration = KafkaSource.class.getDeclaredMethod("getConfiguration");
    configuration.setAccessible(true); // package-private, for tests
    return ((Configuration) configuration.invoke(source)).get(KafkaSourceOptions.CLIENT_ID_PREFIX);
  }
}
