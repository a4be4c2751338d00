package dev.etlkit.testkit.internal;

import dev.etlkit.testkit.Emitted;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;

/**
 * The harness output: records main and side output in one ordered log (Flink's own harness output
 * keeps one queue per output, which loses the interleaving) and still fills the harness's queues so
 * {@code getOutput()} and {@code getSideOutput(tag)} keep working. Every value is copied by a
 * serialize/deserialize round trip, which fails the test when the output type falls back to Kryo
 * (generic types are disabled) or its serializer is broken.
 */
final class RecordingOutput<O> implements Output<StreamRecord<O>> {

  private final TypeSerializer<O> mainSerializer;
  private final SerializerConfig serializerConfig;
  private final Queue<Object> harnessOutput;
  private final Map<OutputTag<?>, ConcurrentLinkedQueue<Object>> harnessSideOutputs;
  private final Map<OutputTag<?>, TypeSerializer<?>> sideSerializers = new HashMap<>();
  private final Supplier<Object> currentKey;
  private final List<Emitted> emitted = new ArrayList<>();
  private final List<Object> keys = new ArrayList<>();
  private final List<Long> watermarks = new ArrayList<>();
  private final DataOutputSerializer buffer = new DataOutputSerializer(256);

  RecordingOutput(
      TypeSerializer<O> mainSerializer,
      SerializerConfig serializerConfig,
      Queue<Object> harnessOutput,
      Map<OutputTag<?>, ConcurrentLinkedQueue<Object>> harnessSideOutputs,
      Supplier<Object> currentKey) {
    this.currentKey = currentKey;
    this.mainSerializer = mainSerializer;
    this.serializerConfig = serializerConfig;
    this.harnessOutput = harnessOutput;
    this.harnessSideOutputs = harnessSideOutputs;
  }

  List<Emitted> emitted() {
    return emitted;
  }

  /** The operator's current key when each record of {@link #emitted()} was emitted. */
  List<Object> keys() {
    return keys;
  }

  List<Long> watermarks() {
    return watermarks;
  }

  void clear() {
    emitted.clear();
    keys.clear();
    watermarks.clear();
    harnessOutput.clear();
    harnessSideOutputs.clear();
  }

  @Override
  public void collect(StreamRecord<O> record) {
    O copy = roundTrip(mainSerializer, record.getValue(), "main output");
    Long timestamp = record.hasTimestamp() ? record.getTimestamp() : null;
    emitted.add(Emitted.main(copy, timestamp));
    keys.add(currentKey.get());
    harnessOutput.add(
        timestamp == null ? new StreamRecord<>(copy) : new StreamRecord<>(copy, timestamp));
  }

  @Override
  public <X> void collect(OutputTag<X> tag, StreamRecord<X> record) {
    @SuppressWarnings("unchecked")
    TypeSerializer<X> serializer =
        (TypeSerializer<X>)
            sideSerializers.computeIfAbsent(
                tag, t -> t.getTypeInfo().createSerializer(serializerConfig));
    X copy = roundTrip(serializer, record.getValue(), "side output " + tag.getId());
    Long timestamp = record.hasTimestamp() ? record.getTimestamp() : null;
    emitted.add(Emitted.side(tag.getId(), copy, timestamp));
    keys.add(currentKey.get());
    harnessSideOutputs
        .computeIfAbsent(tag, t -> new ConcurrentLinkedQueue<>())
        .add(timestamp == null ? new StreamRecord<>(copy) : new StreamRecord<>(copy, timestamp));
  }

  @Override
  public void emitWatermark(Watermark mark) {
    watermarks.add(mark.getTimestamp());
    harnessOutput.add(mark);
  }

  @Override
  public void emitWatermark(WatermarkEvent watermark) {
    harnessOutput.add(watermark);
  }

  @Override
  public void emitWatermarkStatus(WatermarkStatus watermarkStatus) {
    harnessOutput.add(watermarkStatus);
  }

  @Override
  public void emitLatencyMarker(LatencyMarker latencyMarker) {
    harnessOutput.add(latencyMarker);
  }

  @Override
  public void emitRecordAttributes(RecordAttributes recordAttributes) {
    harnessOutput.add(recordAttributes);
  }

  @Override
  public void close() {}

  private <T> T roundTrip(TypeSerializer<T> serializer, T value, String where) {
    try {
      buffer.clear();
      serializer.serialize(value, buffer);
      return serializer.deserialize(
          new DataInputDeserializer(buffer.getSharedBuffer(), 0, buffer.length()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Could not serialize a record of the " + where + " with " + serializer, e);
    }
  }
}
