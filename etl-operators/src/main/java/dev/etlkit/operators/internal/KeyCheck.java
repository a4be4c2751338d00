package dev.etlkit.operators.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StepMetrics;
import dev.etlkit.core.internal.NestedNullFields;
import dev.etlkit.core.internal.SourcePositions;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Runs before a step keys its input by a user's key selector, chained to the input. Flink's {@code
 * keyBy} fails the job on a {@code null} key or a throwing key selector (in its partitioner, or in
 * batch mode its sort), before the step can catch anything, and the restarted job fails again on
 * the same record. The same holds for a key its serializer cannot write: a {@link Tuple} key with a
 * {@code null} field ({@link #nullField}), or a POJO, record or {@code Row} key holding a tuple
 * with a {@code null} field, or a list or map with a {@code null} element or key its serializer
 * refuses (a declared {@code Types.LIST(Types.LONG)}; {@link NestedNullFields}), fails the step
 * where it serializes the key (RocksDB at once, the heap at the next checkpoint). So does a record
 * that holds a tuple with a {@code null} field whose serializer cannot write it (a {@code Long}, a
 * nested tuple; at top level or inside a POJO, record, row or collection), or such a list element
 * or map key ({@link NestedNullFields#ofRecords}): the network serializer of the shuffle fails.
 * Here a record with a key goes on untouched; a record whose key is {@code null}, has such a {@code
 * null} tuple field or whose key selector throws, or that holds such a tuple ({@link
 * #unwritableRecord}), becomes a dead letter under the step's error policy (which may fail the job
 * instead). On a changelog, {@code -U} records are dropped first, as filtered: the steps that use
 * this check ignore them, so there is no need to read their keys or to ship them.
 *
 * <p>Accounting: the records finished here count in (and filtered or dead-lettered) here, those
 * passed on count in the step's operator, so each record counts once. The error policy's budget of
 * this function is its own (the step's operator, behind the shuffle, has another) and counts every
 * record it sees: an error-rate budget is the share of bad keys among all the step's inputs that
 * reach this subtask ({@link ErrorHandler#passedOn()}).
 *
 * <p>Per record it runs the key selector once, looks into a tuple key's fields and allocates
 * nothing; only for a key type that can hold a tuple below a POJO, record or row, or a {@code null}
 * list element or map key its serializer refuses (decided once, from the key's type) it also walks
 * the fields on the way to such a tuple or collection, and only for a record type that can hold a
 * {@code null} its serializer cannot write there (decided once, from the input type) it walks the
 * record's fields on the way. Used by the dimension join (dimension records), dedup, normalize and
 * the changelog check.
 *
 * @param <I> the record type: a row, or a {@code Change} on a changelog
 * @param <K> the key type
 */
@Internal
public final class KeyCheck<I, K> extends ProcessFunction<I, I> {
  private static final long serialVersionUID = 1L;

  private final KeySelector<I, K> key;
  private final boolean changelog;
  private final ErrorHandler errors;
  private final boolean changeEventTimeFirst;
  private final SerializableFunction<String, ? extends Exception> nullKey;
  @Nullable private final NestedNullFields nested;
  @Nullable private final NestedNullFields values;

  private transient StepMetrics metrics;

  /**
   * @param key the key selector the step keys its input with
   * @param keyType the type the step keys its input with: tells which {@code null} fields its
   *     serializer cannot write
   * @param inputType the type of the records, as the shuffle writes them: tells which {@code null}
   *     tuple fields its serializer cannot write
   * @param changelog the records are {@code Change}s: drop their {@code -U}s
   * @param errors the step's error handler: counts and dead letters under the step's identity
   * @param nullKey the error of a record whose key is null (given {@code null}) or has a null field
   *     (given the field's path, {@link #nullField}); its message names no field value, see {@link
   *     #nullKeyMessage}
   */
  public KeyCheck(
      KeySelector<I, K> key,
      TypeInformation<K> keyType,
      TypeInformation<I> inputType,
      boolean changelog,
      ErrorHandler errors,
      SerializableFunction<String, ? extends Exception> nullKey) {
    this(key, keyType, inputType, changelog, errors, nullKey, false);
  }

  /**
   * As the other constructor; with {@code changeEventTimeFirst} a {@code Change}'s own event time,
   * where it has one, is its dead letter's event time before the record's timestamp (the rule of
   * the steps that do so for their other dead letters: normalize and the changelog check).
   */
  public KeyCheck(
      KeySelector<I, K> key,
      TypeInformation<K> keyType,
      TypeInformation<I> inputType,
      boolean changelog,
      ErrorHandler errors,
      SerializableFunction<String, ? extends Exception> nullKey,
      boolean changeEventTimeFirst) {
    this.changeEventTimeFirst = changeEventTimeFirst;
    this.key = Objects.requireNonNull(key, "key");
    this.changelog = changelog;
    this.errors = Objects.requireNonNull(errors, "errors");
    this.nullKey = Objects.requireNonNull(nullKey, "nullKey");
    this.nested = NestedNullFields.of(Objects.requireNonNull(keyType, "keyType"));
    this.values = NestedNullFields.ofRecords(Objects.requireNonNull(inputType, "inputType"));
  }

  @Override
  public void open(OpenContext openContext) {
    metrics = StepMetrics.register(getRuntimeContext(), errors.step());
    errors.open(metrics);
  }

  @Override
  public void processElement(I record, Context ctx, Collector<I> out) {
    if (changelog && ((Change<?>) record).kind() == RowKind.UPDATE_BEFORE) {
      metrics.in();
      metrics.filtered();
      return;
    }
    K k;
    try {
      k = key.getKey(record);
    } catch (Exception e) {
      metrics.in();
      reject(e, record, ctx);
      return;
    }
    String field = k == null ? null : nullField(k, nested);
    if (k == null || field != null) {
      metrics.in();
      reject(nullKey.apply(field), record, ctx);
      return;
    }
    if (values != null) {
      String unwritable = values.find(record);
      if (unwritable != null) {
        metrics.in();
        reject(unwritableRecord(unwritable), record, ctx);
        return;
      }
    }
    errors.passedOn();
    out.collect(record);
  }

  /**
   * The path of the first {@code null} field of a key that is a Flink {@link Tuple}, nested tuples
   * included ({@code "f1"}, {@code "f1.f0"}), or {@code null} if it has none or is no tuple.
   * Flink's tuple serializer cannot write a {@code null} field, so such a key is as bad as a {@code
   * null} one. POJOs, records and {@code Row}s write their own {@code null} fields, but not those
   * of a tuple they hold: {@link #nullField(Object, NestedNullFields)} finds those too. Allocates
   * only when it finds one.
   */
  @Nullable
  public static String nullField(Object key) {
    if (!(key instanceof Tuple tuple)) {
      return null;
    }
    for (int i = 0; i < tuple.getArity(); i++) {
      Object field = tuple.getField(i);
      if (field == null) {
        return "f" + i;
      }
      String inner = nullField(field);
      if (inner != null) {
        return "f" + i + "." + inner;
      }
    }
    return null;
  }

  /**
   * As {@link #nullField(Object)}, with the walk of the key's type ({@link NestedNullFields#of})
   * when it has one: then also a {@code null} field of a tuple inside a POJO, record or row ({@code
   * "id.f1"}).
   */
  @Nullable
  public static String nullField(Object key, @Nullable NestedNullFields nested) {
    return nested == null ? nullField(key) : nested.find(key);
  }

  /**
   * The message of a {@code nullKey} error: {@code "<key> is null"}, or {@code "<key> field f1 is
   * null"} ({@code "<key> field id.f1 is null"}) for a key with a {@code null} field.
   *
   * @param key what the key is, e.g. {@code "the dedup key"}
   * @param field the path of the key's {@code null} field, {@code null} if the key is
   */
  public static String nullKeyMessage(String key, @Nullable String field) {
    return field == null ? key + " is null" : key + " field " + field + " is null";
  }

  /**
   * The error of a record whose tuple field, list element or map key {@code field} is {@code null}
   * and cannot be written ({@link NestedNullFields#ofRecords}): {@code "record field amount.f1 is
   * null, which Flink's tuple serializer cannot write"} ({@code "... quantities[2] ... list
   * serializer ..."}); the path of a changelog's record is that of its row.
   */
  public static IllegalArgumentException unwritableRecord(String field) {
    return NestedNullFields.unwritableRecord(field);
  }

  @Nullable
  private Long eventTime(I record, Context ctx) {
    if (changeEventTimeFirst && record instanceof Change) {
      Long own = ((Change<?>) record).eventTime();
      if (own != null) {
        return own;
      }
    }
    return ctx.timestamp();
  }

  private void reject(Exception error, I record, Context ctx) {
    ctx.output(
        DeadLetter.OUTPUT_TAG,
        errors.reject(
            error,
            record,
            eventTime(record, ctx),
            SourcePositions.of(record),
            ctx.timerService().currentProcessingTime()));
  }
}
