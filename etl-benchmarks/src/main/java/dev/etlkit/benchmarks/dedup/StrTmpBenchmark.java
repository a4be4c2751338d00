package dev.etlkit.benchmarks.dedup;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StrTmpBenchmark {
  String[] s = new String[16];
  byte[] bytes = new byte[256];
  char[] chars = new char[256];
  int i;

  @Setup
  public void setUp() {
    java.util.Random r = new java.util.Random(1);
    for (int k = 0; k < 16; k++) {
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < 64; c++) sb.append((char) ('a' + r.nextInt(26)));
      s[k] = sb.toString();
    }
  }

  @Benchmark
  public int charAtLoop() {
    String x = s[i++ & 15];
    int n = x.length();
    byte[] b = bytes;
    for (int j = 0; j < n; j++) {
      char c = x.charAt(j);
      if (c >= 0x80) return -1;
      b[j + 1] = (byte) c;
    }
    return n;
  }

  @Benchmark
  public int getCharsLoop() {
    String x = s[i++ & 15];
    int n = x.length();
    char[] cs = chars;
    x.getChars(0, n, cs, 0);
    byte[] b = bytes;
    int acc = 0;
    for (int j = 0; j < n; j++) {
      char c = cs[j];
      acc |= c;
      b[j + 1] = (byte) c;
    }
    return acc >= 0x80 ? -1 : n;
  }

  @SuppressWarnings("deprecation")
  @Benchmark
  public int getBytesDeprecated() {
    String x = s[i++ & 15];
    int n = x.length();
    x.getBytes(0, n, bytes, 1);
    return n;
  }

  @Benchmark
  public int getCharsSplit() {
    String x = s[i++ & 15];
    int n = x.length();
    char[] cs = chars;
    x.getChars(0, n, cs, 0);
    int acc = 0;
    for (int j = 0; j < n; j++) {
      acc |= cs[j];
    }
    if (acc >= 0x80) return -1;
    byte[] b = bytes;
    for (int j = 0; j < n; j++) {
      b[j + 1] = (byte) cs[j];
    }
    return n;
  }

  @Benchmark
  public int getCharsSplitOffset0() {
    String x = s[i++ & 15];
    int n = x.length();
    char[] cs = chars;
    x.getChars(0, n, cs, 0);
    int acc = 0;
    for (int j = 0; j < n; j++) {
      acc |= cs[j];
    }
    if (acc >= 0x80) return -1;
    byte[] b = bytes;
    for (int j = 0; j < n; j++) {
      b[j] = (byte) cs[j];
    }
    return n;
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  @SuppressWarnings("deprecation")
  @Benchmark
  public int getBytesScan() {
    String x = s[i++ & 15];
    int n = x.length();
    byte[] b = bytes;
    x.getBytes(0, n, b, 1);
    long acc = 0;
    int j = 1;
    for (; j + 8 <= n + 1; j += 8) {
      acc |= (long) LONGS.get(b, j);
    }
    for (; j < n + 1; j++) acc |= b[j];
    return (acc & 0x8080808080808080L) != 0 ? -1 : n;
  }
}
