package dev.etlkit.operators.avro;

import dev.etlkit.operators.avro.internal.MapSchemaProvider;
import java.io.Serializable;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Where a decoder of the Confluent wire format finds the writer schema of a schema id. Plug in a
 * schema-registry client by implementing it; {@link #of(Map)} serves fixed schemas from memory
 * (tests, or topics whose schemas are known when the job is built).
 *
 * <p>Lifecycle: the provider is serialized with the step, then {@link #open()} is called once per
 * parallel subtask before the first lookup, and {@link #close()} when the subtask ends. Keep
 * clients that are not serializable in {@code transient} fields and create them in {@code open()}.
 *
 * <p>Contract of {@link #schemaById(int)}: return the schema, or null when the id is unknown. The
 * decoder remembers each schema it receives (and whether it can be read with the step's reader
 * schema), so a provider is asked at most once per known id and subtask; unknown ids are asked
 * again on every record that carries them (a remote provider should remember misses for a while).
 * An unknown id is bad data: the record becomes a dead letter.
 *
 * <p>Throw when the lookup itself fails (the registry is down, a timeout): that is not the record's
 * fault, so by default the task fails and Flink restarts it with its restart strategy's backoff
 * ({@link SchemaLookupFailures#FAIL_TASK}); with {@link SchemaLookupFailures#DEAD_LETTER} the
 * record at hand is rejected instead (a dead letter under the default error policy). Either way the
 * failure is not remembered: the next record with that id asks again. An {@link
 * InterruptedException} (the task is being cancelled) always fails the task, with the interrupt
 * flag kept. An exception of {@link #open()} fails the task too. Exception messages are never
 * copied into task failures or dead letters (they may hold registry URLs or credentials), only the
 * class name; the stack trace is kept.
 *
 * <pre>{@code
 * SchemaProvider schemas = SchemaProvider.of(Map.of(1, orderV1, 2, orderV2));
 * }</pre>
 */
@PublicEvolving
public interface SchemaProvider extends Serializable {

  /** Prepares the provider in its subtask (connect a client, load schemas). Default: nothing. */
  default void open() throws Exception {}

  /**
   * The writer schema registered under {@code id}, or null if there is none.
   *
   * @throws Exception when the lookup itself fails (the task fails, or the record becomes a dead
   *     letter: see {@link SchemaLookupFailures})
   */
  @Nullable
  Schema schemaById(int id) throws Exception;

  /** Releases what {@link #open()} acquired. Default: nothing. */
  default void close() throws Exception {}

  /**
   * A provider serving the given schemas by id (copied; ids may be any int).
   *
   * @throws NullPointerException if the map, a key or a schema is null
   */
  static SchemaProvider of(Map<Integer, Schema> schemasById) {
    return new MapSchemaProvider(schemasById);
  }
}
