package dev.etlkit.benchmarks.dedup;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class AccessTmpBenchmark {
  BenchRow[] a = new BenchRow[1024];
  BenchRow[] b = new BenchRow[1024];
  Field fk, fv, fp;
  MethodHandle hk, hv, hp;
  VarHandle vk, vv, vp;
  long ok, ov, op;
  sun.misc.Unsafe u;
  int i;

  @Setup
  public void setUp() throws Exception {
    String p = "x".repeat(64);
    for (int k = 0; k < 1024; k++) {
      a[k] = new BenchRow(k * 7919L, k % 3, p);
      b[k] = new BenchRow(k * 7919L, k % 3, p);
    }
    fk = BenchRow.class.getField("key"); fv = BenchRow.class.getField("version"); fp = BenchRow.class.getField("payload");
    fk.setAccessible(true); fv.setAccessible(true); fp.setAccessible(true);
    MethodHandles.Lookup l = MethodHandles.privateLookupIn(BenchRow.class, MethodHandles.lookup());
    hk = l.unreflectGetter(fk).asType(MethodType.methodType(long.class, Object.class));
    hv = l.unreflectGetter(fv).asType(MethodType.methodType(long.class, Object.class));
    hp = l.unreflectGetter(fp).asType(MethodType.methodType(Object.class, Object.class));
    vk = l.unreflectVarHandle(fk); vv = l.unreflectVarHandle(fv); vp = l.unreflectVarHandle(fp);
    Field uf = sun.misc.Unsafe.class.getDeclaredField("theUnsafe"); uf.setAccessible(true); u = (sun.misc.Unsafe) uf.get(null);
    ok = u.objectFieldOffset(fk); ov = u.objectFieldOffset(fv); op = u.objectFieldOffset(fp);
  }

  @Benchmark
  public boolean field() throws Exception {
    int k = i++ & 1023; Object x = a[k], y = b[k];
    return fk.getLong(x) == fk.getLong(y) && fv.getLong(x) == fv.getLong(y) && fp.get(x).equals(fp.get(y));
  }

  @Benchmark
  public boolean handle() throws Throwable {
    int k = i++ & 1023; Object x = a[k], y = b[k];
    return (long) hk.invokeExact(x) == (long) hk.invokeExact(y) && (long) hv.invokeExact(x) == (long) hv.invokeExact(y) && ((Object) hp.invokeExact(x)).equals((Object) hp.invokeExact(y));
  }

  @Benchmark
  public boolean varHandle() {
    int k = i++ & 1023; BenchRow x = a[k], y = b[k];
    return (long) vk.get(x) == (long) vk.get(y) && (long) vv.get(x) == (long) vv.get(y) && ((String) vp.get(x)).equals((String) vp.get(y));
  }

  @Benchmark
  public boolean unsafe() {
    int k = i++ & 1023; Object x = a[k], y = b[k];
    return u.getLong(x, ok) == u.getLong(y, ok) && u.getLong(x, ov) == u.getLong(y, ov) && u.getObject(x, op).equals(u.getObject(y, op));
  }

  @Benchmark
  public boolean userEquals() {
    int k = i++ & 1023;
    return a[k].equals(b[k]);
  }
}
