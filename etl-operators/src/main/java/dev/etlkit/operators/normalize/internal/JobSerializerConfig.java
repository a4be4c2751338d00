package dev.etlkit.operators.normalize.internal;

import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.NothingTypeInfo;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.types.Nothing;

/**
 * The job's {@link SerializerConfig} in a function, to build a {@link
 * dev.etlkit.operators.internal.SerializedForm} that writes exactly what the job's serializers
 * write. {@code RuntimeContext} does not expose it (operators have {@code getExecutionConfig()},
 * functions do not), but passes it to the type it creates a serializer of: a probe type takes it.
 */
final class JobSerializerConfig {

  private JobSerializerConfig() {}

  /** The config {@code context} creates serializers with; from {@code open()}. */
  static SerializerConfig of(RuntimeContext context) {
    Probe probe = new Probe();
    context.createSerializer(probe);
    if (probe.config == null) {
      throw new IllegalStateException(
          "the runtime context created a serializer without asking the type for one");
    }
    return probe.config;
  }

  /** Keeps the config it is asked for a serializer with; creates none. */
  private static final class Probe extends NothingTypeInfo {
    private static final long serialVersionUID = 1L;

    @Nullable private transient SerializerConfig config;

    @Override
    @Nullable // the caller discards it
    public TypeSerializer<Nothing> createSerializer(SerializerConfig config) {
      this.config = config;
      return null;
    }
  }
}
