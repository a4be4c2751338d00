package dev.etlkit.operators.cdc;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;

/** Turns off Flink's Kryo fallback on a harness's config, so a generic type fails the test. */
final class NoKryo {
  private NoKryo() {}

  static void disableGenericTypes(ExecutionConfig config) {
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    config.getSerializerConfig().configure(noKryo, NoKryo.class.getClassLoader());
  }
}
