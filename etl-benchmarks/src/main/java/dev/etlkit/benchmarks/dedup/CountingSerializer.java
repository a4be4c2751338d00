package dev.etlkit.benchmarks.dedup;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * An output serializer that counts the records the harness copies, i.e. the records an operator
 * emitted. Only for tests checking that every impl does the same job; benchmarks do not use it.
 */
final class CountingSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final TypeSerializer<T> delegate;
  private long copies;

  CountingSerializer(TypeSerializer<T> delegate) {
    this.delegate = delegate;
  }

  long copies() {
    return copies;
  }

  @Override
  public boolean isImmutableType() {
    return delegate.isImmutableType();
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return this;
  }

  @Override
  public T createInstance() {
    return delegate.createInstance();
  }

  @Override
  public T copy(T from) {
    copies++;
    return delegate.copy(from);
  }

  @Override
  public T copy(T from, T reuse) {
    copies++;
    return delegate.copy(from, reuse);
  }

  @Override
  public int getLength() {
    return delegate.getLength();
  }

  @Override
  public void serialize(T record, DataOutputView target) throws IOException {
    delegate.serialize(record, target);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    return delegate.deserialize(source);
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return delegate.deserialize(reuse, source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    delegate.copy(source, target);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof CountingSerializer
        && delegate.equals(((CountingSerializer<?>) obj).delegate);
  }

  @Override
  public int hashCode() {
    return delegate.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return delegate.snapshotConfiguration();
  }
}
