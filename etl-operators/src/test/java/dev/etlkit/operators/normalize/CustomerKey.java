package dev.etlkit.operators.normalize;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/** What a projected normalizer keeps of a {@link Customer}: the key and the email. */
public record CustomerKey(String id, String email) {

  static final TypeInformation<CustomerKey> TYPE = TypeInformation.of(CustomerKey.class);

  static CustomerKey of(Customer customer) {
    return new CustomerKey(customer.id(), customer.email());
  }

  /** The retraction value: a customer with only id and email set. */
  Customer toCustomer() {
    return new Customer(id, null, email, 0L);
  }
}
