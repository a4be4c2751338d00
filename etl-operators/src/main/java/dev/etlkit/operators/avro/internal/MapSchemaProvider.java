package dev.etlkit.operators.avro.internal;

import dev.etlkit.operators.avro.SchemaProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.flink.annotation.Internal;

/** {@link SchemaProvider#of(Map)}: fixed schemas by id, held in memory. */
@Internal
public final class MapSchemaProvider implements SchemaProvider {
  private static final long serialVersionUID = 1L;

  private final HashMap<Integer, Schema> schemas;

  public MapSchemaProvider(Map<Integer, Schema> schemasById) {
    Objects.requireNonNull(schemasById, "schemasById");
    this.schemas = new HashMap<>();
    for (Map.Entry<Integer, Schema> e : schemasById.entrySet()) {
      schemas.put(
          Objects.requireNonNull(e.getKey(), "schema id"),
          Objects.requireNonNull(e.getValue(), "schema of id " + e.getKey()));
    }
  }

  @Override
  @Nullable
  public Schema schemaById(int id) {
    return schemas.get(id);
  }

  @Override
  public String toString() {
    return "SchemaProvider.of(ids " + new java.util.TreeSet<>(schemas.keySet()) + ")";
  }
}
