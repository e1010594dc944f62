package server

import (
	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/gateway/iamapi"
	"github.com/stewardhq/steward/iam"
)

// iamService builds IAM roles and managed policies on the store and returns
// their operation table.
func (s *Server) iamService() *gateway.Service {
	s.roles = iam.NewRoles(s.db, s.cfg.AccountID, s.cfg.Clock, iam.RolesOptions{Logger: s.log})
	return iamapi.Service(s.roles)
}

// Roles returns IAM roles and the policy evaluator, for services that act
// with a role (an EventBridge target's RoleArn).
func (s *Server) Roles() *iam.Roles { return s.roles }
