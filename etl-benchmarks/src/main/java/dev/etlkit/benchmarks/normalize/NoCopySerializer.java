package dev.etlkit.benchmarks.normalize;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The output serializer of the benchmark harness: the harness copies every output record with it,
 * which is harness work, not operator work, and costs different impls differently (a record POJO
 * copy against a byte copy). Here {@code copy} returns the record itself; everything else is the
 * real serializer's.
 */
public final class NoCopySerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final TypeSerializer<T> delegate;

  public NoCopySerializer(TypeSerializer<T> delegate) {
    this.delegate = delegate;
  }

  @Override
  public boolean isImmutableType() {
    return true;
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
    return from;
  }

  @Override
  public T copy(T from, T reuse) {
    return from;
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
    return obj instanceof NoCopySerializer && delegate.equals(((NoCopySerializer<?>) obj).delegate);
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
