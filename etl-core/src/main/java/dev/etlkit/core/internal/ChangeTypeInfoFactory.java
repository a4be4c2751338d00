package dev.etlkit.core.internal;

import dev.etlkit.core.Change;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.InvalidTypesException;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Lets Flink's type extraction see {@code Change<T>} as {@link Change#typeInfo} instead of a Kryo
 * generic type, for example in a {@code map} whose result type is extracted from its signature.
 */
@Internal
public final class ChangeTypeInfoFactory<T> extends TypeInfoFactory<Change<T>> {

  @Override
  public TypeInformation<Change<T>> createTypeInfo(
      Type t, Map<String, TypeInformation<?>> genericParameters) {
    @SuppressWarnings("unchecked")
    TypeInformation<T> valueType = (TypeInformation<T>) genericParameters.get("T");
    if (valueType == null) {
      throw new InvalidTypesException(
          "Cannot extract the value type of Change<T> from "
              + t
              + "; declare it with Change.typeInfo(valueType)");
    }
    return Change.typeInfo(valueType);
  }
}
