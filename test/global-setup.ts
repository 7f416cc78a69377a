// Filled in with the leftover-process check once the launcher lands.
export default function setup(): void {}
