exports.charge=async e=>e
