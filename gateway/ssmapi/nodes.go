package ssmapi

import (
	"context"
	"time"

	"github.com/stewardhq/steward/gateway"
	"github.com/stewardhq/steward/ssm"
)

// nodeOps are the hybrid-activation and managed-node operations.
func nodeOps(n *ssm.Nodes) []gateway.Op {
	return []gateway.Op{
		gateway.Handle("CreateActivation", func(ctx context.Context, in *createActivationInput) (*createActivationOutput, error) {
			meta := make([]ssm.RegistrationMetadata, len(in.RegistrationMetadata))
			for i, m := range in.RegistrationMetadata {
				meta[i] = ssm.RegistrationMetadata{Key: m.Key, Value: m.Value}
			}
			out, err := n.CreateActivation(ctx, ssm.CreateActivationInput{
				Description: paramDeref(in.Description), DefaultInstanceName: paramDeref(in.DefaultInstanceName),
				IamRole: in.IamRole, RegistrationLimit: paramIntIn(in.RegistrationLimit), ExpirationDate: in.ExpirationDate,
				Tags: resourceTagsIn(in.Tags), RegistrationMetadata: meta,
			})
			if err != nil {
				return nil, err
			}
			return &createActivationOutput{ActivationId: out.ActivationID, ActivationCode: out.ActivationCode}, nil
		}),
		gateway.Handle("DescribeActivations", func(ctx context.Context, in *describeActivationsInput) (*describeActivationsOutput, error) {
			filters := make([]ssm.ActivationFilter, len(in.Filters))
			for i, f := range in.Filters {
				filters[i] = ssm.ActivationFilter{Key: f.FilterKey, Values: f.FilterValues}
			}
			list, err := n.DescribeActivations(ctx, ssm.DescribeActivationsInput{
				Filters: filters, MaxResults: paramIntIn(in.MaxResults), NextToken: paramDeref(in.NextToken),
			})
			if err != nil {
				return nil, err
			}
			out := &describeActivationsOutput{ActivationList: make([]activationWire, len(list.Activations)), NextToken: paramTokenOut(list.NextToken)}
			for i, a := range list.Activations {
				out.ActivationList[i] = activationWire{
					ActivationId: a.ID, Description: a.Description, DefaultInstanceName: a.DefaultInstanceName, IamRole: a.IamRole,
					RegistrationLimit: int32(a.RegistrationLimit), RegistrationsCount: int32(a.RegistrationsCount),
					ExpirationDate: a.ExpirationDate, Expired: a.Expired, CreatedDate: a.CreatedDate, Tags: nodeTagsOut(a.Tags),
				}
			}
			return out, nil
		}),
		gateway.Handle("DeleteActivation", func(ctx context.Context, in *deleteActivationInput) (*struct{}, error) {
			return &struct{}{}, n.DeleteActivation(ctx, in.ActivationId)
		}),
		gateway.Handle("DescribeInstanceInformation", func(ctx context.Context, in *describeInstanceInformationInput) (*describeInstanceInformationOutput, error) {
			legacy := make([]ssm.InstanceInformationFilter, len(in.InstanceInformationFilterList))
			for i, f := range in.InstanceInformationFilterList {
				legacy[i] = ssm.InstanceInformationFilter{Key: f.Key, Values: f.ValueSet}
			}
			filters := make([]ssm.InstanceInformationFilter, len(in.Filters))
			for i, f := range in.Filters {
				filters[i] = ssm.InstanceInformationFilter{Key: f.Key, Values: f.Values}
			}
			list, err := n.DescribeInstanceInformation(ctx, ssm.DescribeInstanceInformationInput{
				InstanceInformationFilterList: legacy, Filters: filters,
				MaxResults: paramIntIn(in.MaxResults), NextToken: paramDeref(in.NextToken),
			})
			if err != nil {
				return nil, err
			}
			out := &describeInstanceInformationOutput{
				InstanceInformationList: make([]instanceInformationWire, len(list.Instances)), NextToken: paramTokenOut(list.NextToken),
			}
			for i, info := range list.Instances {
				out.InstanceInformationList[i] = instanceInformationOut(info)
			}
			return out, nil
		}),
		gateway.Handle("DeregisterManagedInstance", func(ctx context.Context, in *deregisterManagedInstanceInput) (*struct{}, error) {
			return &struct{}{}, n.DeregisterManagedInstance(ctx, in.InstanceId)
		}),
		gateway.Handle("UpdateManagedInstanceRole", func(ctx context.Context, in *updateManagedInstanceRoleInput) (*struct{}, error) {
			return &struct{}{}, n.UpdateManagedInstanceRole(ctx, in.InstanceId, in.IamRole)
		}),
	}
}

// Wire shapes (botocore ssm/2014-11-06). Pointers and omitempty leave out
// the members AWS leaves out.

type registrationMetadataItem struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type createActivationInput struct {
	Description          *string                    `json:"Description"`
	DefaultInstanceName  *string                    `json:"DefaultInstanceName"`
	IamRole              string                     `json:"IamRole"`
	RegistrationLimit    *int32                     `json:"RegistrationLimit"`
	ExpirationDate       *time.Time                 `json:"ExpirationDate"`
	Tags                 []resourceTag              `json:"Tags"`
	RegistrationMetadata []registrationMetadataItem `json:"RegistrationMetadata"`
}

type createActivationOutput struct {
	ActivationId   string `json:"ActivationId"`
	ActivationCode string `json:"ActivationCode"`
}

type describeActivationsFilter struct {
	FilterKey    string   `json:"FilterKey"`
	FilterValues []string `json:"FilterValues"`
}

type describeActivationsInput struct {
	Filters    []describeActivationsFilter `json:"Filters"`
	MaxResults *int32                      `json:"MaxResults"`
	NextToken  *string                     `json:"NextToken"`
}

type activationWire struct {
	ActivationId        string        `json:"ActivationId"`
	Description         string        `json:"Description,omitempty"`
	DefaultInstanceName string        `json:"DefaultInstanceName,omitempty"`
	IamRole             string        `json:"IamRole"`
	RegistrationLimit   int32         `json:"RegistrationLimit"`
	RegistrationsCount  int32         `json:"RegistrationsCount"`
	ExpirationDate      time.Time     `json:"ExpirationDate"`
	Expired             bool          `json:"Expired"`
	CreatedDate         time.Time     `json:"CreatedDate"`
	Tags                []resourceTag `json:"Tags,omitempty"`
}

type describeActivationsOutput struct {
	ActivationList []activationWire `json:"ActivationList"`
	NextToken      *string          `json:"NextToken,omitempty"`
}

type deleteActivationInput struct {
	ActivationId string `json:"ActivationId"`
}

// instanceInformationFilter is the legacy filter: lower-case member names in
// the model.
type instanceInformationFilter struct {
	Key      string   `json:"key"`
	ValueSet []string `json:"valueSet"`
}

type instanceInformationStringFilter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type describeInstanceInformationInput struct {
	InstanceInformationFilterList []instanceInformationFilter       `json:"InstanceInformationFilterList"`
	Filters                       []instanceInformationStringFilter `json:"Filters"`
	MaxResults                    *int32                            `json:"MaxResults"`
	NextToken                     *string                           `json:"NextToken"`
}

type instanceInformationWire struct {
	InstanceId       string    `json:"InstanceId"`
	PingStatus       string    `json:"PingStatus"`
	LastPingDateTime time.Time `json:"LastPingDateTime,omitempty"`
	AgentVersion     string    `json:"AgentVersion,omitempty"`
	IsLatestVersion  bool      `json:"IsLatestVersion"`
	PlatformType     string    `json:"PlatformType,omitempty"`
	PlatformName     string    `json:"PlatformName,omitempty"`
	PlatformVersion  string    `json:"PlatformVersion,omitempty"`
	ActivationId     string    `json:"ActivationId,omitempty"`
	IamRole          string    `json:"IamRole,omitempty"`
	RegistrationDate time.Time `json:"RegistrationDate,omitempty"`
	ResourceType     string    `json:"ResourceType"`
	Name             string    `json:"Name,omitempty"`
	IPAddress        string    `json:"IPAddress,omitempty"`
	ComputerName     string    `json:"ComputerName,omitempty"`
	SourceId         string    `json:"SourceId,omitempty"`
	SourceType       string    `json:"SourceType,omitempty"`

	AssociationStatus                      string                `json:"AssociationStatus,omitempty"`
	LastAssociationExecutionDate           time.Time             `json:"LastAssociationExecutionDate,omitempty"`
	LastSuccessfulAssociationExecutionDate time.Time             `json:"LastSuccessfulAssociationExecutionDate,omitempty"`
	AssociationOverview                    *nodeAssociationsWire `json:"AssociationOverview,omitempty"`
}

// nodeAssociationsWire is InstanceAggregatedAssociationOverview.
type nodeAssociationsWire struct {
	DetailedStatus                           string           `json:"DetailedStatus,omitempty"`
	InstanceAssociationStatusAggregatedCount map[string]int32 `json:"InstanceAssociationStatusAggregatedCount,omitempty"`
}

type describeInstanceInformationOutput struct {
	InstanceInformationList []instanceInformationWire `json:"InstanceInformationList"`
	NextToken               *string                   `json:"NextToken,omitempty"`
}

type deregisterManagedInstanceInput struct {
	InstanceId string `json:"InstanceId"`
}

type updateManagedInstanceRoleInput struct {
	InstanceId string `json:"InstanceId"`
	IamRole    string `json:"IamRole"`
}

func instanceInformationOut(i *ssm.InstanceInformation) instanceInformationWire {
	out := instanceInformationWire{
		InstanceId: i.InstanceID, PingStatus: i.PingStatus, LastPingDateTime: i.LastPingDateTime, AgentVersion: i.AgentVersion,
		IsLatestVersion: i.IsLatestVersion, PlatformType: i.PlatformType, PlatformName: i.PlatformName,
		PlatformVersion: i.PlatformVersion, ActivationId: i.ActivationID, IamRole: i.IamRole,
		RegistrationDate: i.RegistrationDate, ResourceType: i.ResourceType, Name: i.Name, IPAddress: i.IPAddress,
		ComputerName: i.ComputerName, SourceId: i.SourceID, SourceType: i.SourceType,
	}
	if a := i.Associations; a != nil {
		counts := make(map[string]int32, len(a.Counts))
		for k, v := range a.Counts {
			counts[k] = int32(v)
		}
		out.AssociationStatus, out.LastAssociationExecutionDate, out.LastSuccessfulAssociationExecutionDate = a.Status, a.LastExecution, a.LastSuccessfulRun
		out.AssociationOverview = &nodeAssociationsWire{DetailedStatus: a.Status, InstanceAssociationStatusAggregatedCount: counts}
	}
	return out
}

// nodeTagsOut converts tags for output; none is nil (the member is left
// out).
func nodeTagsOut(tags []ssm.Tag) []resourceTag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]resourceTag, len(tags))
	for i, t := range tags {
		out[i] = resourceTag{Key: t.Key, Value: t.Value}
	}
	return out
}
