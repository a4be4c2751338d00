package dev.etlkit.operators.normalize.internal;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.internal.ObjectReuseCopies;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import java.time.Duration;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;

/**
 * The upsert normalizer without sequence and with full rows: per key one {@code ValueState<T>}
 * holding the live row (absent when the key is not live). One state read per record, one write per
 * applied change, none for no-ops and redeliveries.
 */
@Internal
public final class UpsertNormalizeFunction<K, T> extends NormalizeFunctionBase<K, T> {
  private static final long serialVersionUID = 1L;

  /** The live row per key. Part of the savepoint layout: never rename. */
  private static final String ROW_STATE = "row";

  private transient ValueState<T> row;
  private transient ObjectReuseCopies<T> rowCopies;

  public UpsertNormalizeFunction(
      TypeInformation<T> valueType,
      @Nullable Duration ttl,
      Route unknownKeyDeletes,
      ErrorHandler errors) {
    super(valueType, ttl, unknownKeyDeletes, Route.DROP, errors);
  }

  @Override
  public List<StateDeclaration> stateDeclarations() {
    return List.of(
        StateDeclaration.value(ROW_STATE, valueType)
            .withTtl(ttl)
            .withGrowth("one row per live key; a delete clears it"));
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    super.open(openContext);
    ValueStateDescriptor<T> descriptor = new ValueStateDescriptor<>(ROW_STATE, valueType);
    applyTtl(descriptor);
    row = getRuntimeContext().getState(descriptor);
    rowCopies = ObjectReuseCopies.of(valueType, getRuntimeContext());
  }

  @Override
  public void processElement(Change<T> change, Context ctx, Collector<Change<T>> out)
      throws Exception {
    metrics.in();
    RowKind kind = change.kind();
    T stored = row.value(); // null: never seen, deleted, or expired
    boolean live = stored != null;
    boolean same = live && change.isAccumulate() && sameRow(stored, change.value());
    switch (UpsertRules.unversioned(kind, live, same)) {
      case INSERT:
        row.update(rowCopies.copy(change.value()));
        emitInsert(change, out);
        break;
      case UPDATE:
        row.update(rowCopies.copy(change.value()));
        emitUpdate(stored, change, out);
        break;
      case NO_OP:
        metrics.deduplicated();
        break;
      case DELETE:
        row.clear();
        emitDelete(stored, change, out);
        break;
      case UNKNOWN_KEY_DELETE:
        unknownKeyDelete(change, ctx, out);
        break;
      case UPDATE_BEFORE_IGNORED:
        metrics.filtered();
        break;
      default:
        throw new IllegalStateException("unexpected outcome for an unversioned change");
    }
  }
}
