package dev.etlkit.benchmarks.dedup;

import dev.etlkit.operators.internal.SerializedForm;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.*;

@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FormTmpBenchmark {
  BenchRow[] a = new BenchRow[1024];
  BenchRow[] b = new BenchRow[1024];
  SerializedForm<BenchRow> form;
  TypeSerializer<BenchRow> serializer;
  DataOutputSerializer out = new DataOutputSerializer(256);
  int i;

  @Setup
  public void setUp() {
    String p = "x".repeat(64);
    for (int k = 0; k < 1024; k++) {
      a[k] = new BenchRow(k * 7919L, k % 3, p);
      b[k] = new BenchRow(k * 7919L, k % 3, p);
    }
    TypeInformation<BenchRow> type = TypeInformation.of(BenchRow.class);
    form = SerializedForm.of(type, new SerializerConfigImpl());
    serializer = type.createSerializer(new SerializerConfigImpl());
  }

  @Benchmark
  public boolean formSame() throws Exception {
    int k = i++ & 1023;
    return form.same(a[k], b[k]);
  }

  @Benchmark
  public boolean userEquals() {
    int k = i++ & 1023;
    return a[k].equals(b[k]);
  }

  @Benchmark
  public int formWrite() throws Exception {
    int k = i++ & 1023;
    out.clear();
    form.write(a[k], out);
    return out.length();
  }

  @Benchmark
  public int serializerWrite() throws Exception {
    int k = i++ & 1023;
    out.clear();
    serializer.serialize(a[k], out);
    return out.length();
  }

  @Benchmark
  public long xxhash() throws Exception {
    int k = i++ & 1023;
    return dev.etlkit.operators.dedup.internal.XxHash64.hash(out.getSharedBuffer(), 0, 83, k);
  }
}
