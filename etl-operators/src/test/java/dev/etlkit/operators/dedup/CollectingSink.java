package dev.etlkit.operators.dedup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A test sink for local jobs: writers in this JVM add every record to a queue the test reads after
 * the job finished. Run it with parallelism 1 to keep the records in emission order.
 */
final class CollectingSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;
  private static final Map<String, Queue<Object>> RECORDS = new ConcurrentHashMap<>();

  private final String id = UUID.randomUUID().toString();

  CollectingSink() {
    RECORDS.put(id, new ConcurrentLinkedQueue<>());
  }

  /** Everything written so far. */
  @SuppressWarnings("unchecked")
  List<T> records() {
    return new ArrayList<>((Queue<T>) (Queue<?>) RECORDS.get(id));
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) {
    Queue<Object> records = RECORDS.get(id);
    return new SinkWriter<>() {
      @Override
      public void write(T element, Context context) {
        records.add(element);
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }
}
