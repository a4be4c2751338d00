package dev.etlkit.benchmarks.reference;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * The generator function of a {@link DataGeneratorSource} that emits lines held in this JVM, by
 * index. The lines stay out of the job graph: {@code fromData} would serialize them into it, and
 * the graph is copied and deserialized again on every submission, allocation that neither job does.
 * Works where the job runs in this JVM (a MiniCluster or a local environment), as in the benchmark.
 */
final class InMemoryLines implements GeneratorFunction<Long, String> {

  private static final long serialVersionUID = 1L;

  private static final Map<String, List<String>> REGISTERED = new ConcurrentHashMap<>();

  private final String key;

  private transient List<String> lines;

  private InMemoryLines(String key) {
    this.key = key;
  }

  /** Holds {@code lines} in this JVM until {@link #release()}. */
  static InMemoryLines register(List<String> lines) {
    String key = UUID.randomUUID().toString();
    REGISTERED.put(key, List.copyOf(lines));
    return new InMemoryLines(key);
  }

  /** How many lines there are. */
  int size() {
    return REGISTERED.get(key).size();
  }

  /** Forgets the lines. */
  void release() {
    REGISTERED.remove(key);
  }

  @Override
  public void open(SourceReaderContext readerContext) {
    lines = REGISTERED.get(key);
    if (lines == null) {
      throw new IllegalStateException("lines not registered in this JVM (released?)");
    }
  }

  @Override
  public String map(Long index) {
    return lines.get(index.intValue());
  }
}
