package dev.etlkit.scd.internal;

import dev.etlkit.scd.Scd2Row;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Lets Flink's type extraction see {@code Scd2Row<T>} as {@link Scd2Row#typeInfo} instead of a Kryo
 * generic type.
 */
@Internal
public final class Scd2RowTypeInfoFactory<T> extends TypeInfoFactory<Scd2Row<T>> {

  @Override
  public TypeInformation<Scd2Row<T>> createTypeInfo(
      Type t, Map<String, TypeInformation<?>> genericParameters) {
    @SuppressWarnings("unchecked")
    TypeInformation<T> valueType = (TypeInformation<T>) genericParameters.get("T");
    if (valueType == null) {
      throw new InvalidTypesException(
          "Cannot extract the attribute type of Scd2Row<T> from "
              + t
              + "; declare it with Scd2Row.typeInfo(valueType)");
    }
    return Scd2Row.typeInfo(valueType);
  }
}
