package dev.etlkit.operators.enrich.internal.join;

import java.io.IOException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link PendingFact}, composing the fact serializer.
 *
 * <p>Binary format, version 1 (see {@link JoinStateSerializerSnapshot#CURRENT_VERSION}): one byte
 * of flags (bit 0 set when a timestamp follows; the other bits are reserved and must be zero), the
 * deadline as a long, the timestamp as a long if flagged, then the fact.
 */
@Internal
public final class PendingFactSerializer<F> extends JoinStateSerializer<PendingFact<F>, F> {
  private static final long serialVersionUID = 1L;

  static final int FLAG_TIMESTAMP = 1;

  public PendingFactSerializer(TypeSerializer<F> factSerializer) {
    super(factSerializer);
  }

  @Override
  Kind kind() {
    return Kind.PENDING_FACT;
  }

  @Override
  protected PendingFactSerializer<F> wrap(TypeSerializer<F> factSerializer) {
    return new PendingFactSerializer<>(factSerializer);
  }

  /**
   * A fact of a fresh fact instance, or null when the fact serializer has no instance to offer
   * (Java records, Kryo types): a {@code PendingFact} cannot hold a null fact.
   */
  @Override
  @Nullable
  public PendingFact<F> createInstance() {
    F fact = valueSerializer.createInstance();
    return fact == null ? null : new PendingFact<>(0L, false, 0L, fact);
  }

  @Override
  public PendingFact<F> copy(PendingFact<F> from) {
    return new PendingFact<>(
        from.deadline, from.hasTimestamp, from.timestamp, valueSerializer.copy(from.fact));
  }

  @Override
  public void serialize(PendingFact<F> record, DataOutputView target) throws IOException {
    target.writeByte(record.hasTimestamp ? FLAG_TIMESTAMP : 0);
    target.writeLong(record.deadline);
    if (record.hasTimestamp) {
      target.writeLong(record.timestamp);
    }
    valueSerializer.serialize(record.fact, target);
  }

  @Override
  public PendingFact<F> deserialize(DataInputView source) throws IOException {
    boolean hasTimestamp = (flags(source) & FLAG_TIMESTAMP) != 0;
    long deadline = source.readLong();
    long timestamp = hasTimestamp ? source.readLong() : 0L;
    return new PendingFact<>(
        deadline, hasTimestamp, timestamp, valueSerializer.deserialize(source));
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int flags = flags(source);
    target.writeByte(flags);
    target.writeLong(source.readLong());
    if ((flags & FLAG_TIMESTAMP) != 0) {
      target.writeLong(source.readLong());
    }
    valueSerializer.copy(source, target);
  }

  private static int flags(DataInputView source) throws IOException {
    return readFlags(source, FLAG_TIMESTAMP, "a waiting fact of a dimension join");
  }
}
