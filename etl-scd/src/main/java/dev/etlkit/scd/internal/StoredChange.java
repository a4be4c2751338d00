package dev.etlkit.scd.internal;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;

/**
 * One accepted change of a key, kept in the {@code changes} map state under its effective time
 * while it is within the lateness horizon: its tie-break sequence and either the entity's state
 * ({@link #row}) or a delete.
 *
 * <p>A Flink POJO, serialized by Flink's {@code PojoSerializer} (with the attribute type's own
 * serializer for {@link #row}), so it evolves as POJOs do. Its class and field names are part of
 * the savepoint layout: never rename them.
 */
@Internal
public final class StoredChange<T> {

  /** Tie-break sequence (0 when ties go by arrival). */
  public long sequence;

  /** True for a hard delete; then {@link #row} is null. */
  public boolean delete;

  /** The entity's state, or null for a delete. */
  @Nullable public T row;

  /** For Flink's POJO serializer. */
  public StoredChange() {}

  StoredChange(long sequence, boolean delete, @Nullable T row) {
    this.sequence = sequence;
    this.delete = delete;
    this.row = row;
  }

  /** The type information of stored changes with attributes of {@code valueType}. */
  public static <T> TypeInformation<StoredChange<T>> typeInfo(TypeInformation<T> valueType) {
    List<PojoField> fields = new ArrayList<>();
    fields.add(new PojoField(field(StoredChange.class, "delete"), Types.BOOLEAN));
    fields.add(new PojoField(field(StoredChange.class, "row"), valueType));
    fields.add(new PojoField(field(StoredChange.class, "sequence"), Types.LONG));
    @SuppressWarnings({"unchecked", "rawtypes"})
    TypeInformation<StoredChange<T>> type =
        (TypeInformation) new PojoTypeInfo<>(StoredChange.class, fields);
    return type;
  }

  static Field field(Class<?> type, String name) {
    try {
      return type.getField(name);
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(type.getSimpleName() + " has no field " + name, e);
    }
  }

  @Override
  public String toString() {
    return (delete ? "delete" : "upsert") + " seq=" + sequence;
  }
}
