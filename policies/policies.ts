// The list of checks in the pack, kept apart from index.ts so tests can import it without starting the server.
import { Policies } from "@pulumi/policy";
import { haproxyAdminAuth } from "./haproxyAdminAuth";
import { hbaNoRemoteTrust } from "./hbaNoRemoteTrust";
import { hbaScramFromAnywhere } from "./hbaScramFromAnywhere";
import { inPlaceRestoreAcknowledged } from "./inPlaceRestoreAcknowledged";
import { minClusterMembers } from "./minClusterMembers";
import { noPlaintextPassword } from "./noPlaintextPassword";
import { offlineMemberRequired } from "./offlineMemberRequired";
import { pinnedHostKey } from "./pinnedHostKey";
import { primaryRemoval } from "./primaryRemoval";
import { protectedStackRemoval } from "./protectedStackRemoval";
import { standbyPromotionAcknowledged } from "./standbyPromotionAcknowledged";

export const policies: Policies = [
  primaryRemoval,
  hbaNoRemoteTrust,
  hbaScramFromAnywhere,
  noPlaintextPassword,
  haproxyAdminAuth,
  pinnedHostKey,
  protectedStackRemoval,
  minClusterMembers,
  offlineMemberRequired,
  inPlaceRestoreAcknowledged,
  standbyPromotionAcknowledged,
];
